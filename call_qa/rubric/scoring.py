"""Scorecard arithmetic (rubric.md, Scoring), kept pure so verdicts decided later by a QA
officer can be re-scored without running any matcher.

    item max points   = section weight × item weight / Σ item weights of its section
    item points       = max points × verdict factor (pass 1, partial 0.5, fail 0)
    section score     = 100 × Σ points / Σ max points over its scored items
    total score       = 100 × Σ points / Σ max points over all scored items

"Scored" means pass, partial or fail: not_applicable items leave the denominator, and
so do needs_review items until an officer decides them. A section or call with no
scored item has score None. A failed critical item sets the total to 0 (section
scores are left as computed, so the report still shows where the call was good).
Scores are rounded to 2 decimals.

Example (phone_inbound defaults, courtesy 15 with 4 equal items = 3.75 each):
opening pass 3.75, identification fail 0, verification n/a, closing partial 1.875 →
courtesy = 100 × 5.625 / 11.25 = 50.0.
"""

from __future__ import annotations

import dataclasses
from typing import Iterable, Mapping

from call_qa.domain import ItemResult, Scorecard, SectionScore, Verdict
from call_qa.rubric.config import Rubric


def item_points(rubric: Rubric, item_id: str, verdict: Verdict) -> tuple[float, float]:
    """(points, max points) of ``item_id`` with ``verdict``; points are 0 when it is unscored."""
    max_points = rubric.max_points(item_id)
    factor = verdict.factor
    return (max_points * factor if factor is not None else 0.0), max_points


def compute_scores(items: Iterable[ItemResult], rubric: Rubric) -> tuple[float | None, tuple[SectionScore, ...]]:
    """Total score and section scores (0-100, or None when nothing was scored).

    Points are recomputed from each item's verdict and the rubric's weights and
    critical flags — never taken from ``ItemResult.points`` — so items whose verdicts
    an officer changed score correctly. An item is critical when the rubric says so or
    when scoring made it critical (an exposure of personal data configured critical,
    ``call_qa.rubric.exposure``), so an officer's re-score keeps that rule. Raises ValueError for an item id the rubric
    does not have (a scorecard scored against another rubric).
    """
    earned: dict[str, float] = {s.id: 0.0 for s in rubric.sections}
    possible: dict[str, float] = {s.id: 0.0 for s in rubric.sections}
    critical_failed = False
    for it in items:
        if not rubric.has_item(it.id):
            raise ValueError(f"item '{it.id}' is not in rubric '{rubric.id}' v{rubric.version}")
        spec = rubric.item(it.id)
        points, max_points = item_points(rubric, it.id, it.verdict)
        if it.verdict.factor is None:
            continue
        earned[spec.section] += points
        possible[spec.section] += max_points
        critical_failed |= (spec.critical or it.critical) and it.verdict == Verdict.FAIL
    sections = tuple(
        SectionScore(
            s.id,
            round(100.0 * earned[s.id] / possible[s.id], 2) if possible[s.id] > 0 else None,
            s.weight,
        )
        for s in rubric.sections
    )
    total_possible = sum(possible.values())
    if total_possible <= 0:
        return None, sections
    if critical_failed:
        return 0.0, sections
    return round(100.0 * sum(earned.values()) / total_possible, 2), sections


def build_scorecard(items: Iterable[ItemResult], rubric: Rubric) -> Scorecard:
    """A scorecard from item results: points recomputed, scores and review count filled in."""
    fixed = []
    for it in items:
        points, max_points = item_points(rubric, it.id, it.verdict)
        fixed.append(dataclasses.replace(it, points=points, max_points=max_points,
                                         critical=rubric.item(it.id).critical or it.critical))
    score, sections = compute_scores(fixed, rubric)
    return Scorecard(
        rubric_id=rubric.id,
        rubric_version=rubric.version,
        score=score,
        needs_review=sum(1 for it in fixed if it.verdict == Verdict.NEEDS_REVIEW),
        sections=sections,
        items=tuple(fixed),
    )


def rescore(scorecard: Scorecard, rubric: Rubric, decisions: Mapping[str, Verdict]) -> Scorecard:
    """A new scorecard with some verdicts replaced (e.g. a QA officer's decisions).

    The original is untouched (computed scorecards are never edited); evidence and
    confidence stay as the machine produced them.
    """
    unknown = set(decisions) - {it.id for it in scorecard.items}
    if unknown:
        raise ValueError(f"decisions for items not on the scorecard: {sorted(unknown)}")
    items = [dataclasses.replace(it, verdict=decisions.get(it.id, it.verdict)) for it in scorecard.items]
    return build_scorecard(items, rubric)
