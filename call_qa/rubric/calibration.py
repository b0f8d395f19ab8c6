"""Calibrated confidences and the review threshold (issue 21: "say when unsure").

A judge's confidence is a constant set per outcome in ``items.py``. Against an
officer's labels those constants are not probabilities: a ``pass`` at 0.7 of one item
may be right nine times in ten, of another half the time. The calibration table
(``configs/rubrics/calibration.yaml``, written by ``benchmarks/officer_agreement.py
--fit-calibration`` from the officer set's *tuning* half) maps each (item, verdict) to
the share of such verdicts the officer agreed with, smoothed towards the item's and the
whole table's rate when a cell has few examples. A verdict whose calibrated confidence
is below ``RubricOptions.review_below_confidence`` becomes ``needs_review``, its reason
saying so ("confidence 0.42 below 0.6: pass — …"); the judge's verdict stays in the
evidence so an officer sees what the machine would have said.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

import yaml

from call_qa.domain import Evidence, ItemResult, Role, Verdict
from call_qa.rubric.config import RubricConfigError

# Where a relative calibration path is looked up: the shipped configs (call_qa/configs/).
CONFIGS = Path(__file__).resolve().parents[1] / "configs"


@dataclass(frozen=True)
class Calibration:
    """(item id, verdict) → calibrated confidence; per-item and overall fall-backs."""

    cells: Mapping[tuple[str, str], float]
    items: Mapping[str, float]
    overall: float
    source: str

    def confidence(self, item: str, verdict: Verdict, raw: float) -> float:
        """The calibrated confidence of ``verdict`` on ``item`` (``raw`` when the table
        knows neither the item nor the verdict: a rubric item added after the fit)."""
        if (item, verdict.value) in self.cells:
            return self.cells[(item, verdict.value)]
        return self.items.get(item, raw)


def _path(name: str) -> Path:
    path = Path(name)
    return path if path.is_absolute() else CONFIGS / path


@functools.lru_cache(maxsize=8)
def load_calibration(name: str) -> Calibration | None:
    """The table at ``name`` (relative: under call_qa/configs/); None for ``""``.
    Raises RubricConfigError naming the file when it is missing or malformed."""
    if not name:
        return None
    path = _path(name)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        cells = {}
        for item, verdicts in (doc.get("items") or {}).items():
            for verdict, row in (verdicts or {}).items():
                if verdict == "all":
                    continue
                Verdict(verdict)
                cells[(item, verdict)] = float(row["confidence"])
        items = {item: float(v["all"]["confidence"]) for item, v in (doc.get("items") or {}).items() if "all" in v}
        return Calibration(MappingProxyType(cells), MappingProxyType(items), float(doc["overall"]["confidence"]),
                           str(path))
    except FileNotFoundError:
        raise RubricConfigError(f"{path}: calibration table not found (rubric.options.calibration)") from None
    except (KeyError, TypeError, ValueError, AttributeError, yaml.YAMLError) as exc:
        raise RubricConfigError(f"{path}: malformed calibration table ({type(exc).__name__}: {exc})") from None


def calibrated(result: ItemResult, table: Calibration | None, review_below: float) -> ItemResult:
    """``result`` with its confidence calibrated and, below ``review_below``, turned into
    ``needs_review`` with the reason (a judge's own needs_review is left as it is)."""
    if result.verdict == Verdict.NEEDS_REVIEW:
        return result
    conf = table.confidence(result.id, result.verdict, result.confidence) if table is not None else result.confidence
    conf = round(min(1.0, max(0.0, conf)), 3)
    if conf >= review_below:
        return dataclasses.replace(result, confidence=conf)
    why = f"confidence {conf:.2f} below {review_below:g}: the judge said {result.verdict.value} — {result.reason}"
    note = Evidence(0.0, 0.0, "", result.evidence[0].role if result.evidence else Role.AGENT, "",
                    f"judge's verdict {result.verdict.value} at calibrated confidence {conf:.2f} "
                    f"({table.source if table else 'uncalibrated'})")
    return dataclasses.replace(result, verdict=Verdict.NEEDS_REVIEW, confidence=conf, reason=why,
                               evidence=(*result.evidence, note))
