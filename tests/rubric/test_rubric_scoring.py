"""Scoring arithmetic (rubric.md, Scoring), checked against hand computation."""

from __future__ import annotations

import pytest
import yaml

from call_qa.domain import ItemResult, Verdict
from call_qa.rubric import (
    PHONE_INBOUND_ITEMS,
    build_scorecard,
    compute_scores,
    load_cues,
    load_rubric,
    rescore,
    score_phone_call,
)
from rubric_testkit import CUES_ID_PATH, MODEL_ID, RUBRIC_PATH, timing

P, H, F, NA, NR = Verdict.PASS, Verdict.PARTIAL, Verdict.FAIL, Verdict.NOT_APPLICABLE, Verdict.NEEDS_REVIEW


@pytest.fixture()
def tiny(tmp_path):
    """Section a (60): x w1, y w1, z w2 → max 15, 15, 30. Section b (40): p, q → 20, 20."""
    data = {
        "id": "tiny",
        "version": "1",
        "sections": [
            {"id": "a", "name": "A", "weight": 60, "items": [
                {"id": "x", "name": "X"}, {"id": "y", "name": "Y"}, {"id": "z", "name": "Z", "weight": 2}]},
            {"id": "b", "name": "B", "weight": 40, "items": [
                {"id": "p", "name": "P"}, {"id": "q", "name": "Q", "critical": True}]},
        ],
    }
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return load_rubric(path)


def items(rubric, verdicts):
    return [ItemResult(i, rubric.item(i).section, v, 0.0, 0.0, 0.5) for i, v in verdicts.items()]


def test_max_points_are_weight_shares(tiny):
    assert [tiny.max_points(i) for i in "xyzpq"] == [15.0, 15.0, 30.0, 20.0, 20.0]


def test_na_and_needs_review_leave_the_denominator(tiny):
    # x pass 15, y fail 0, z partial 15 (30 × 0.5); p n/a, q needs review.
    # a = 100 × 30 / 60 = 50; b has nothing scored → None; total = 100 × 30 / 60 = 50.
    score, sections = compute_scores(items(tiny, {"x": P, "y": F, "z": H, "p": NA, "q": NR}), tiny)
    assert score == 50.0
    assert [(s.id, s.score, s.weight) for s in sections] == [("a", 50.0, 60), ("b", None, 40)]


def test_total_is_points_over_possible_points(tiny):
    # Add p pass (20): total = 100 × (30 + 20) / (60 + 20) = 62.5; b = 100.
    score, sections = compute_scores(items(tiny, {"x": P, "y": F, "z": H, "p": P, "q": NR}), tiny)
    assert score == 62.5
    assert sections[1].score == 100.0
    # q partial too: b = 100 × (20 + 10) / 40 = 75; total = 100 × 60 / 100 = 60.
    score, sections = compute_scores(items(tiny, {"x": P, "y": F, "z": H, "p": P, "q": H}), tiny)
    assert (score, sections[1].score) == (60.0, 75.0)


def test_failed_critical_item_zeroes_the_call_but_not_the_sections(tiny):
    score, sections = compute_scores(items(tiny, {"x": P, "y": P, "z": P, "p": P, "q": F}), tiny)
    assert score == 0.0
    assert [s.score for s in sections] == [100.0, 50.0]
    # Awaiting review is not a failure.
    score, _ = compute_scores(items(tiny, {"x": P, "y": P, "z": P, "p": P, "q": NR}), tiny)
    assert score == 100.0


def test_nothing_scored_gives_none(tiny):
    score, sections = compute_scores(items(tiny, {"x": NA, "y": NR, "z": NR, "p": NA, "q": NR}), tiny)
    assert score is None and all(s.score is None for s in sections)


def test_points_come_from_the_rubric_not_the_item(tiny):
    stale = [ItemResult("x", "a", P, 999.0, 999.0, 1.0), ItemResult("y", "a", F, 15.0, 15.0, 1.0)]
    score, _ = compute_scores(stale, tiny)
    assert score == 50.0  # 15 / 30


def test_unknown_item_is_an_error(tiny):
    with pytest.raises(ValueError, match="not in rubric"):
        compute_scores([ItemResult("nope", "a", P, 0, 0, 1)], tiny)


def test_rescore_applies_officer_decisions_without_touching_the_original(tiny):
    card = build_scorecard(items(tiny, {"x": P, "y": F, "z": H, "p": NA, "q": NR}), tiny)
    assert card.needs_review == 1 and card.score == 50.0
    assert card.item("z").points == 15.0 and card.item("z").max_points == 30.0
    assert card.item("q").critical is True
    decided = rescore(card, tiny, {"q": P, "y": P})
    # x 15 + y 15 + z 15 + q 20 = 65 of 15 + 15 + 30 + 20 = 80 → 81.25
    assert decided.score == 81.25 and decided.needs_review == 0
    assert card.score == 50.0  # the computed scorecard is never edited
    with pytest.raises(ValueError):
        rescore(card, tiny, {"w": P})


def test_phone_call_score_by_hand():
    """The model call with formal_language failed by an officer:
    possible = 100 − empathy 4 (n/a) − hold 6.25 (n/a) − accuracy 8 − completeness 8 (needs review)
    = 73.75; earned = 73.75 − formal 6.25 = 67.5 → 100 × 67.5 / 73.75 = 91.525… → 91.53."""
    rubric = load_rubric(RUBRIC_PATH)
    card = score_phone_call(MODEL_ID, timing(MODEL_ID), "id", rubric, load_cues(CUES_ID_PATH))
    assert card.score == 100.0 and card.needs_review == 2
    assert {it.id for it in card.items if it.verdict == NR} == {"solution_accuracy", "solution_completeness"}
    assert sum(it.max_points for it in card.items) == pytest.approx(100.0)
    decided = rescore(card, rubric, {"formal_language": F})
    assert decided.score == 91.53
    sections = {s.id: s.score for s in decided.sections}
    # interaction control: probing 6.25 + control 6.25 + formal 0 of 18.75 (hold n/a) = 66.67
    assert sections["interaction_control"] == pytest.approx(66.67, abs=0.005)
    assert sections["courtesy"] == 100.0


def test_phone_critical_item_from_yaml(tmp_path):
    data = yaml.safe_load(RUBRIC_PATH.read_text(encoding="utf-8"))
    for sec in data["sections"]:
        for it in sec["items"]:
            if it["id"] == "opening_greeting":
                it["critical"] = True
    path = tmp_path / "critical.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    rubric = load_rubric(path)
    import dataclasses

    utts = (dataclasses.replace(MODEL_ID[0], text="Ya?"),) + MODEL_ID[1:]
    card = score_phone_call(utts, timing(utts), "id", rubric, load_cues(CUES_ID_PATH))
    assert card.item("opening_greeting").verdict == F and card.item("opening_greeting").critical
    assert card.score == 0.0
    assert [it.id for it in card.items] == list(PHONE_INBOUND_ITEMS)
