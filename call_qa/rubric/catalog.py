"""What the phone engine knows about each item: fixed ids, default cue lists, parameters.

Shared by the loader (to validate a rubric YAML) and the matchers (to resolve the cue
lists an item uses), so neither imports the other.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Mapping

# rubric.md, phone_inbound: section id -> item ids, in the rubric's order.
PHONE_INBOUND_SECTIONS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "courtesy": ("opening_greeting", "customer_identification", "data_verification", "closing_greeting"),
        "responsiveness": ("address_by_name", "no_interruption", "problem_confirmation", "attentiveness", "empathy"),
        "interaction_control": ("probing", "conversation_control", "formal_language", "hold_transfer_technique"),
        "solution": (
            "solution_clarity",
            "solution_accuracy",
            "solution_completeness",
            "procedure_compliance",
            "solution_acceptance",
        ),
    }
)
PHONE_INBOUND_ITEMS: tuple[str, ...] = tuple(i for items in PHONE_INBOUND_SECTIONS.values() for i in items)

# rubric.md, email: section id -> item ids, in the rubric's order.
EMAIL_SECTIONS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "courtesy": ("opening_sentence", "previous_contact_reference", "data_verification", "closing_sentence"),
        "responsiveness": ("address_by_name", "attentiveness", "empathy"),
        "interaction_control": ("content_interpretation", "word_choice_structure", "punctuation_spelling",
                                "language_consistency"),
        "solution": ("solution_clarity", "solution_accuracy", "solution_completeness", "procedure_compliance"),
    }
)
EMAIL_ITEMS: tuple[str, ...] = tuple(i for items in EMAIL_SECTIONS.values() for i in items)

# Rubric ids whose item set is fixed by rubric.md (the loader insists on exactly these).
FIXED_ITEM_SETS: Mapping[str, Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {"phone_inbound": PHONE_INBOUND_SECTIONS, "email": EMAIL_SECTIONS}
)

# item id -> cue role -> default cue-list name in the lexicon. A rubric YAML may point a
# role at another list (e.g. a site-specific greeting list); it may not invent roles.
DEFAULT_CUES: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "opening_greeting": {
            "greeting": "greetings",
            "institution": "institution_thanks",
            "agent_name": "agent_introduction",
            "offer_help": "offer_of_help",
        },
        "customer_identification": {"question": "identification_questions", "name_intro": "name_intro"},
        "data_verification": {
            "identifier": "verification_identifiers",
            "request": "verification_requests",
            "answer": "identifier_answers",
            "done": "verification_done",
            "public": "public_identifiers",
            "third_party": "third_party_cues",
        },
        "closing_greeting": {"further_help": "further_help", "thanks": "closing_thanks", "farewell": "closing_greetings"},
        "address_by_name": {"honorific": "honorifics"},
        "no_interruption": {},
        "problem_confirmation": {"restatement": "problem_restatement", "check": "confirmation_check",
                                 "lead": "restatement_leads"},
        "attentiveness": {"acknowledgement": "acknowledgements", "repeat_request": "repeat_requests",
                          "caller_prompt": "caller_prompts"},
        "empathy": {"complaint": "complaint_cues", "empathy": "empathy_phrases", "weak": "weak_empathy"},
        "probing": {"question": "probing_questions", "problem": "problem_statement", "solution": "solution_markers",
                    "not_probing": "non_probing_questions"},
        "conversation_control": {},
        "formal_language": {"informal": "informal_words"},
        "hold_transfer_technique": {
            "hold_announcement": "hold_announcement",
            "hold_return": "hold_return",
            "transfer": "transfer_announcement",
        },
        "solution_clarity": {"structure": "structure_markers", "vague": "vague_answers"},
        "solution_accuracy": {},
        "solution_completeness": {},
        "procedure_compliance": {"account_info": "account_specific", "generic": "conditional_openers"},
        "solution_acceptance": {
            "check": "acceptance_checks",
            "follow_up": "follow_up",
            "acceptance": "caller_acceptance",
            "rejection": "caller_rejection",
            "understood": "caller_understood",
        },
        # email-only items (the shared ids above keep their phone roles)
        "opening_sentence": {"salutation": "email_salutations", "opener": "email_openers"},
        "previous_contact_reference": {"reference": "previous_contact", "generic": "email_openers"},
        "closing_sentence": {"closing": "email_closings", "thanks": "closing_thanks", "further_help": "further_help"},
        "content_interpretation": {},
        "word_choice_structure": {"informal": "informal_words"},
        "punctuation_spelling": {},
        "language_consistency": {"formal_address": "formal_address", "informal_address": "informal_address"},
    }
)

# Lists every lexicon must have whatever the rubric says (used by shared helpers).
SHARED_CUE_LISTS: tuple[str, ...] = ("honorifics", "name_stopwords", "number_words")

# Every item may set its own review threshold (review_below_confidence).
# item id -> RubricOptions fields a rubric YAML may override for that item. Fields that
# feed findings shared by several items (name, verification, problem, solution) are
# global only, so two items never disagree about where the problem statement is.
ITEM_PARAMS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "opening_greeting": frozenset({"opening_agent_turns", "opening_window_s"}),
        "customer_identification": frozenset(),
        "data_verification": frozenset({"verification_required"}),
        "closing_greeting": frozenset({"closing_agent_turns", "closing_window_s"}),
        "address_by_name": frozenset({"address_min_mentions", "address_accept_bare_name", "address_short_call_s"}),
        "no_interruption": frozenset(
            {"interruption_partial_max", "interruption_count_attempted", "interruption_fail_overlap_s"}
        ),
        "problem_confirmation": frozenset(),
        "attentiveness": frozenset(
            {"attentive_latency_max_s", "attentive_dead_air_max", "attentive_repeat_max", "attentive_interruptions_max",
             "attentive_fail_problems", "attentive_ignored_complaints_max"}
        ),
        "empathy": frozenset({"empathy_window_agent_turns"}),
        "probing": frozenset({"probing_min_questions"}),
        "conversation_control": frozenset(),
        "formal_language": frozenset({"informal_per_100_partial"}),
        "hold_transfer_technique": frozenset(),  # windows and limit: timing settings (one definition)
        "solution_clarity": frozenset({"pace_wpm_min", "pace_wpm_max", "clarity_monologue_max_s", "clarity_min_sentences",
                                   "clarity_runon_words", "clarity_unmarked_turn_s"}),
        "solution_accuracy": frozenset(),
        "solution_completeness": frozenset(),
        "procedure_compliance": frozenset(),
        "solution_acceptance": frozenset({"acceptance_answer_customer_turns"}),
        "opening_sentence": frozenset(),
        "previous_contact_reference": frozenset(),
        "closing_sentence": frozenset(),
        "content_interpretation": frozenset({"email_topic_overlap_pass", "email_topic_overlap_partial"}),
        "word_choice_structure": frozenset({"informal_per_100_partial", "email_sentence_words_max"}),
        "punctuation_spelling": frozenset({"email_errors_per_100_pass", "email_errors_per_100_partial"}),
        "language_consistency": frozenset({"email_foreign_sentence_share"}),
    }
)
ITEM_PARAMS = MappingProxyType({k: v | {"review_below_confidence"} for k, v in ITEM_PARAMS.items()})
