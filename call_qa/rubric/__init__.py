"""Rubric engine: rubric and cue files, cue matchers, item judges and scoring.

Public API::

    rubric = load_rubric("configs/rubrics/phone_inbound.yaml")
    cues = load_cues("configs/cues/id.yaml")
    card = score_phone_call(utterances, timing, "id", rubric, cues, RubricOptions())
    score, sections = compute_scores(card.items, rubric)   # e.g. after officers' decisions

Beyond the phone engine (imported from their modules, so this package stays light):
``call_qa.rubric.transcript.heard_from_transcript`` (the input of call-qa score-transcript),
``call_qa.rubric.email.score_email`` (the email judges; call-qa score-email wraps them
through ``call_qa.compose``), ``call_qa.rubric.identification.caller_names``,
``call_qa.rubric.resources.rubric_resources`` (knowledge base, procedures, semantic
matcher from the pipeline settings). docs/rubric-engine.md describes them.
"""

from call_qa.rubric.catalog import EMAIL_ITEMS, EMAIL_SECTIONS, PHONE_INBOUND_ITEMS, PHONE_INBOUND_SECTIONS
from call_qa.rubric.config import (
    CueLexicon,
    Rubric,
    RubricConfigError,
    RubricItem,
    RubricSection,
    check_cues,
    load_cues,
    load_rubric,
    options_from_mapping,
)
from call_qa.rubric.engine import score_phone_call
from call_qa.rubric.items import JUDGES, ItemJudge, Judgement
from call_qa.rubric.matchers import CueHit, CueMatcher, PhraseMatcher
from call_qa.rubric.options import RubricOptions
from call_qa.rubric.scoring import build_scorecard, compute_scores, item_points, rescore

__all__ = [
    "EMAIL_ITEMS",
    "EMAIL_SECTIONS",
    "PHONE_INBOUND_ITEMS",
    "PHONE_INBOUND_SECTIONS",
    "CueHit",
    "CueLexicon",
    "CueMatcher",
    "ItemJudge",
    "JUDGES",
    "Judgement",
    "PhraseMatcher",
    "Rubric",
    "RubricConfigError",
    "RubricItem",
    "RubricOptions",
    "RubricSection",
    "build_scorecard",
    "check_cues",
    "compute_scores",
    "item_points",
    "load_cues",
    "load_rubric",
    "options_from_mapping",
    "rescore",
    "score_phone_call",
]
