"""Tunable parameters of the phone rubric engine (one options dataclass per stage)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Mapping


@dataclass(frozen=True)
class RubricOptions:
    """Thresholds and windows the rubric matchers use; every field has a documented default.

    The pipeline sets these globally (``rubric:`` block of the pipeline settings); a
    rubric YAML may override the ones an item lists under ``params`` for that item only
    (``catalog.ITEM_PARAMS`` says which). Record ``dataclasses.asdict(options)`` with each
    call's output so a verdict can be traced to the settings that produced it.

    Opening / closing
        opening_agent_turns: the agent's first N utterances count as the opening (2).
        opening_window_s: ...and so does any agent utterance starting within this many
            seconds of the recording start (20 s). The union of both is searched.
        closing_agent_turns: the agent's last N utterances count as the closing (3).
        closing_window_s: ...and so does any agent utterance starting within this many
            seconds before the end of the agent's last utterance (30 s).
    Identification / verification (shared findings: global only)
        name_answer_customer_turns: customer utterances after the agent's name question
            searched for the caller's name (2).
        name_max_tokens: longest name taken, in words ("Budi Santoso Putra" = 3) (3).
        verification_answer_customer_turns: customer utterances after an identifier
            request searched for the identifier (2).
        verification_min_digits: digits or spoken number words that make an answer
            an identifier (4; a NIK has 16, a phone number 10-13, a birth date 6-8).
        problem_min_words: a customer utterance this long counts as the problem
            statement when no problem cue is found (6 words).
        solution_min_words: an agent statement this long after the problem statement
            counts as the solution when no solution cue is found (15 words).
    Items
        verification_required: data_verification fails when no verification was asked
            even though nothing account-specific was said (False: needs_review, as a
            general-information call may not need verification).
        address_min_mentions: honorific + name uses for address_by_name to pass (2: a QA
            officer expects the name more than once; once is partial) ...
        address_short_call_s: ... unless the speech after the name was learned lasts less than
            this long, where one use passes (60 s: a one-minute conversation has room for one).
        address_accept_bare_name: the name without honorific passes address_by_name
            (False: partial; set True where first names alone are the house style).
        interruption_partial_max: agent interruptions still judged partial; more fail (1: one
            cut-off is partial, two fail, as a QA lead scores it).
        interruption_count_attempted: count attempted (caller kept talking) as well as
            successful interruptions (True: both cut the caller off).
        interruption_fail_overlap_s: one agent interruption talking over the caller this
            long fails the item whatever the count (2.0 s: a short overlap may be an eager
            reply, a long talk-over is cutting the caller off).
        attentive_latency_max_s: mean response latency above this is slow (2.0 s).
        attentive_dead_air_max: more dead-air events than this is inattentive (1: one pause
            to look something up happens; a second is a pattern).
        attentive_repeat_max: more agent requests to repeat than this is inattentive (0:
            rubric.md — the agent "does not make the caller repeat").
        attentive_interruptions_max: more agent interruptions than this is inattentive
            (0: cutting the caller off is not listening).
        attentive_fail_problems: this many distinct listening problems (slow replies, dead air,
            interruptions, requests to repeat, the caller having to prompt "halo? masih di
            sana?" or a hold nobody announced, rushing the caller off, complaints left
            unacknowledged) fail the item; fewer are partial (2).
        attentive_ignored_complaints_max: complaints the agent may leave unacknowledged before
            attentiveness counts it as a problem (2: one or two are empathy's to score; a
            caller ignored three times was not listened to).
        empathy_window_agent_turns: an empathy phrase must come within this many agent
            utterances after a complaint to answer it (4).
        probing_min_questions: agent questions between problem and solution to pass (1).
        informal_per_100_partial: informal words per 100 agent words still judged
            partial; more fail; none passes (2.5: a slip or two in a longer call is partial).
        (The hold/transfer items search the agent's phrases in the timing stage's windows,
        ``timing.hold_phrase_window_s`` and ``transfer_announce_window_s``, and judge a hold
        by its ``hold_max_s``: the thresholds of the timing report, one definition each.)
        pace_wpm_min / pace_wpm_max: agent pace band for solution_clarity (80-260 wpm:
            wide, because word counts from ASR and talk time from VAD make pace noisy, and
            Indonesian words are long, so its pace runs lower than English; talk time
            excludes the pauses between utterances, so this is closer to articulation rate,
            which runs 15-25 % above speaking rate — fluent English articulation reaches
            250 wpm; the band flags only clearly dragging or rushed speech).
        clarity_min_sentences: an answer without structure markers passes solution_clarity
            when it explains in at least this many sentences (a one-line answer is partial) (2).
        clarity_monologue_max_s: an agent monologue longer than this hurts clarity (60 s).
        clarity_runon_words: an answer sentence this long is a run-on: fail, or partial when
            the answer is signposted with two or more structure markers (45 words: three
            breaths of speech without a full stop).
        clarity_unmarked_turn_s: an answer turn this long without any structure marker is
            partial (25 s: a list read out with no "first … then" is hard to follow).
        acceptance_answer_customer_turns: customer utterances after an acceptance check
            searched for the caller's acceptance (2).
    Email (rubric ``email``)
        email_topic_overlap_pass / _partial: share of the content words of the customer's
            questions the reply takes up for content_interpretation to pass / be partial
            (0.5 / 0.2: half of what was asked recurs in the answer; a fifth at least).
        email_sentence_words_max: a reply sentence longer than this is hard to read (40).
        email_errors_per_100_pass / _partial: spelling, capitalisation and punctuation
            problems per 100 reply words still passing / partial (1.0 / 4.0).
        email_foreign_sentence_share: share of reply sentences in the other language
            above which language_consistency fails (0.25; any mixing is partial).
    Evidence
        quote_max_chars: longer utterances are quoted as a window around the cue (240).
    Uncertainty (call_qa/rubric/calibration.py)
        calibration: the table of calibrated confidences per item and verdict, relative to
            call_qa/configs/ or absolute ("rubrics/calibration.yaml", fitted on the officer
            set's tuning half; "" keeps the judges' own constants).
        review_below_confidence: a verdict whose calibrated confidence is below this
            becomes needs_review, with the reason (0.0: off by default, because the
            project's corpus `expected` verdicts have no needs_review and call-qa eval
            would count every review as a miss; 0.9 is the value chosen on the officer
            set's tuning half — the highest threshold keeping needs_review at or under
            10 % of the non-knowledge-base items there — see docs/rubric-engine.md). An
            item's ``params`` may set its own.
    """

    opening_agent_turns: int = 2
    opening_window_s: float = 20.0
    closing_agent_turns: int = 3
    closing_window_s: float = 30.0
    name_answer_customer_turns: int = 2
    name_max_tokens: int = 3
    verification_answer_customer_turns: int = 2
    verification_min_digits: int = 4
    problem_min_words: int = 6
    solution_min_words: int = 15
    verification_required: bool = False
    address_min_mentions: int = 2
    address_accept_bare_name: bool = False
    address_short_call_s: float = 60.0
    interruption_partial_max: int = 1
    interruption_count_attempted: bool = True
    interruption_fail_overlap_s: float = 2.0
    attentive_latency_max_s: float = 2.0
    attentive_dead_air_max: int = 1
    attentive_repeat_max: int = 0
    attentive_interruptions_max: int = 0
    attentive_fail_problems: int = 2
    attentive_ignored_complaints_max: int = 2
    empathy_window_agent_turns: int = 4
    probing_min_questions: int = 1
    informal_per_100_partial: float = 2.5
    pace_wpm_min: float = 80.0
    pace_wpm_max: float = 260.0
    clarity_min_sentences: int = 2
    clarity_monologue_max_s: float = 60.0
    clarity_runon_words: int = 45
    clarity_unmarked_turn_s: float = 25.0
    acceptance_answer_customer_turns: int = 2
    email_topic_overlap_pass: float = 0.5
    email_topic_overlap_partial: float = 0.2
    email_sentence_words_max: int = 40
    email_errors_per_100_pass: float = 1.0
    email_errors_per_100_partial: float = 4.0
    email_foreign_sentence_share: float = 0.25
    quote_max_chars: int = 240
    calibration: str = "rubrics/calibration.yaml"
    review_below_confidence: float = 0.0

    def with_overrides(self, overrides: Mapping[str, object]) -> "RubricOptions":
        """A copy with some fields replaced (an item's ``params`` from the rubric YAML)."""
        return dataclasses.replace(self, **dict(overrides)) if overrides else self


OPTION_TYPES: Mapping[str, type] = {f.name: type(f.default) for f in dataclasses.fields(RubricOptions)}
