"""Rubric verdicts on the sample calls' ground-truth transcripts agree with their `expected` verdicts.

The transcripts and events come from each ``sample_audio/*.truth.json`` (no audio, no
models), so this checks the rubric layer alone. A few disagreements are by design
(the foundation says needs_review where a person would fail a weak answer, and never
fails attentiveness from timing alone), hence a threshold rather than equality.
"""

from __future__ import annotations

import json

import pytest

from call_qa.domain import Event, EventType, Role, TimingReport, Turn, Utterance
from call_qa.rubric import load_cues, load_rubric, score_phone_call
from rubric_testkit import CUES_EN_PATH, CUES_ID_PATH, REPO, RUBRIC_PATH, THRESHOLDS

SAMPLES = sorted((REPO / "sample_audio").glob("*.truth.json"))
MIN_AGREEMENT = 0.9


def _card(truth: dict):
    utts = tuple(Utterance(u["start"], u["end"], u["speaker"], Role(u["role"]), u["text"])
                 for u in truth["utterances"])
    turns = tuple(Turn(t["start"], t["end"], t["speaker"], Role(t["role"]), bool(t.get("backchannel", False)))
                  for t in truth.get("turns", ()))
    events = tuple(Event.from_dict(e) for e in truth.get("events", ()))
    metrics = {
        "duration_s": truth.get("duration_s"),
        "agent_interruptions": sum(e.type == EventType.INTERRUPTION and e.details.by == "agent"
                                   for e in events),
        "dead_air_count": sum(e.type == EventType.DEAD_AIR for e in events),
        "hold_count": sum(e.type == EventType.HOLD for e in events),
        "transfer_count": sum(e.type == EventType.TRANSFER for e in events),
        "response_latency_mean_s": None,
        "agent_wpm": None,
    }
    timing = TimingReport(turns, events, metrics, dict(THRESHOLDS))
    language = truth["language"]
    cues = load_cues(CUES_ID_PATH if language == "id" else CUES_EN_PATH)
    return score_phone_call(utts, timing, language, load_rubric(RUBRIC_PATH), cues)


@pytest.mark.skipif(not SAMPLES, reason="no sample_audio/*.truth.json")
def test_sample_truth_verdicts_mostly_agree():
    total, disagreements = 0, []
    for path in SAMPLES:
        truth = json.loads(path.read_text(encoding="utf-8"))
        expected = truth.get("expected") or {}
        if not expected or not truth.get("utterances"):
            continue
        card = _card(truth)
        for item_id, want in expected.items():
            total += 1
            got = card.item(item_id).verdict.value
            if got != want:
                disagreements.append(f"{path.name}: {item_id} got {got}, expected {want}")
    if total == 0:
        pytest.skip("no sample with expected verdicts")
    agreement = 1 - len(disagreements) / total
    assert agreement >= MIN_AGREEMENT, f"{agreement:.0%} agreement:\n" + "\n".join(disagreements)
