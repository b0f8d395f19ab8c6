"""Agreement among officers and with the machine, per rubric item (calibration
sessions): percent agreement and Fleiss' kappa.

Fleiss (1971): ``N`` subjects (here: the session's calls), each rated by ``n_i``
raters (officers) into categories (verdicts); ``n_ij`` raters put subject ``i`` in
category ``j``.

- ``P_i = (Σ_j n_ij² − n_i) / (n_i (n_i − 1))``: the share of agreeing rater pairs on
  subject ``i``; ``P̄`` their mean: the *percent agreement* among officers.
- ``p_j = Σ_i n_ij / Σ_i n_i``; ``P_e = Σ_j p_j²``: agreement expected by chance.
- ``κ = (P̄ − P_e) / (1 − P_e)``; undefined (None) when ``P_e = 1`` (every rating in
  one category: nothing to tell chance from agreement by).

With the same ``n`` for every subject this is Fleiss' formula exactly; subjects with
fewer than two ratings are left out (an officer who has not finished).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Mapping, Sequence

from call_qa.db.calibration import CalibrationData
from call_qa.domain import Verdict


@dataclass(frozen=True)
class Agreement:
    subjects: int  # subjects with at least two ratings
    percent: float | None  # P̄ × 100
    kappa: float | None


def fleiss_kappa(ratings: Sequence[Mapping[str, int]]) -> Agreement:
    """Percent agreement and Fleiss' κ of ``ratings``: per subject, how many raters
    chose each category."""
    rows = [{k: v for k, v in r.items() if v} for r in ratings]
    rows = [r for r in rows if sum(r.values()) >= 2]
    if not rows:
        return Agreement(0, None, None)
    p_i = []
    totals: Counter[str] = Counter()
    for r in rows:
        n = sum(r.values())
        p_i.append((sum(v * v for v in r.values()) - n) / (n * (n - 1)))
        totals.update(r)
    p_bar = sum(p_i) / len(p_i)
    ratings_total = sum(totals.values())
    p_e = sum((v / ratings_total) ** 2 for v in totals.values())
    kappa = None if p_e >= 1.0 else (p_bar - p_e) / (1.0 - p_e)
    return Agreement(len(rows), 100.0 * p_bar, kappa)


@dataclass(frozen=True)
class ItemAgreement:
    item_id: str
    section: str
    officers: Agreement  # among officers
    machine_judged: int  # officer scores on calls where the machine gave a verdict
    machine_agreed: int  # ... equal to it
    machine_abstained: int  # calls the machine left to review
    verdicts: Mapping[str, int]  # all officers' verdicts on the item, counted

    @property
    def machine_percent(self) -> float | None:
        """Officer scores equal to the machine's verdict, in % of those it judged."""
        return 100.0 * self.machine_agreed / self.machine_judged if self.machine_judged else None


def item_agreement(data: CalibrationData) -> list[ItemAgreement]:
    """Per item: agreement among the session's officers and with the machine; the
    items that disagree most first (lowest κ, then lowest percent agreement; items
    with nothing to compare last)."""
    calls = data.session.calls
    out = []
    for item_id, section in data.items:
        subjects, judged, agreed, abstained = [], 0, 0, 0
        everything: Counter[str] = Counter()
        for call_id in calls:
            scores = data.scores.get((call_id, item_id), {})
            counts = Counter(v.value for v in scores.values())
            subjects.append(counts)
            everything.update(counts)
            machine = data.machine.get((call_id, item_id))
            if machine is None:
                continue
            if machine == Verdict.NEEDS_REVIEW:
                abstained += 1 if scores else 0
                continue
            judged += len(scores)
            agreed += sum(1 for v in scores.values() if v == machine)
        out.append(ItemAgreement(item_id, section, fleiss_kappa(subjects), judged, agreed, abstained,
                                 dict(everything)))

    def worst_first(a: ItemAgreement) -> tuple[bool, float, float]:
        k, p = a.officers.kappa, a.officers.percent
        # κ undefined with full agreement (one verdict for all) sorts as agreeing.
        kappa = k if k is not None else (1.0 if p == 100.0 else 2.0)
        return (p is None, kappa, p if p is not None else 101.0)

    return sorted(out, key=worst_first)


def overall(items: Sequence[ItemAgreement]) -> tuple[float | None, float | None]:
    """The mean percent agreement among officers and with the machine over items."""
    officers = [a.officers.percent for a in items if a.officers.percent is not None]
    judged = sum(a.machine_judged for a in items)
    return (sum(officers) / len(officers) if officers else None,
            100.0 * sum(a.machine_agreed for a in items) / judged if judged else None)
