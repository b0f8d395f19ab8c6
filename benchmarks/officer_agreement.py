"""Agreement of the phone rubric with an independent QA officer's labels (corpus/officer_set).

    .venv/bin/python benchmarks/officer_agreement.py --split tuning            # develop on this half
    .venv/bin/python benchmarks/officer_agreement.py --split tuning --details  # + every disagreement
    .venv/bin/python benchmarks/officer_agreement.py --split test              # the reported figures
    .venv/bin/python benchmarks/officer_agreement.py --split test --json       # machine output

Every transcript of the split is scored with ``call_qa.compose.score_transcript`` and
the shipped settings (``--config`` for another pipeline YAML), exactly as
``call-qa score-transcript`` scores it, and compared with the officer's verdict in
``labels.json``. Figures, per item and per language:

* exact agreement: engine verdict == officer verdict; an engine ``needs_review`` counts
  as a disagreement (the officer always gave a verdict);
* marked down: of the items the officer marked ``fail`` or ``partial``, the share the
  engine also marked ``fail`` or ``partial`` (``needs_review`` is not marked down;
  the share caught by review as well is printed beside it);
* auto-decided accuracy: agreement among the items the engine decided (not
  ``needs_review``);
* needs_review rate: share of items the engine left to an officer.

The knowledge-base items (``solution_accuracy``, ``solution_completeness``) are judged
by an officer against current regulation and stay ``needs_review`` without a configured
knowledge base, so the headline figures leave them out (``KB_ITEMS``); the all-item
agreement is printed too. A reliability table bins the auto-decided verdicts by their
confidence and shows how often each bin was right.

The labels are frozen and the ``test`` half is for the reported figures only:
``--details`` (per-call verdicts) is refused there, so nothing is tuned on it.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections import defaultdict
from pathlib import Path
from typing import Iterable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SET_DIR = ROOT / "corpus" / "officer_set"
KB_ITEMS = frozenset({"solution_accuracy", "solution_completeness"})
MARKED_DOWN = frozenset({"fail", "partial"})
BINS = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0001)


def score_split(split: str, config: str | None = None, raw: bool = False, review_off: bool = False,
                review_below: float | None = None) -> list[dict]:
    """One row per (call, item) of ``split``: language, call, item, officer, engine,
    confidence, reason. ``raw``: the judges' own verdicts and confidences (no
    calibration, no review threshold), what the calibration is fitted on."""
    from call_qa.compose import score_transcript
    from call_qa.config import load_settings

    settings = load_settings(config)
    if review_below is not None:
        options = {**settings.rubric.options, "review_below_confidence": review_below}
        settings = settings.model_copy(update={"rubric": settings.rubric.model_copy(update={"options": options})})
    if raw or review_off:
        options = {**settings.rubric.options, "review_below_confidence": 0.0, **({"calibration": ""} if raw else {})}
        settings = settings.model_copy(update={"rubric": settings.rubric.model_copy(update={"options": options})})
    calls = json.loads((SET_DIR / "split.json").read_text(encoding="utf-8"))[split]
    labels = json.loads((SET_DIR / "labels.json").read_text(encoding="utf-8"))
    rows = []
    for call in calls:
        path = SET_DIR / f"{call}.json"
        language = json.loads(path.read_text(encoding="utf-8"))["language"]
        result = score_transcript(path, settings)
        found = {it.id: it for it in result.scorecard.items}
        for item, want in labels[call].items():
            it = found.get(item)
            rows.append({
                "language": language, "call": call, "item": item, "officer": want,
                "engine": it.verdict.value if it else "missing",
                "confidence": round(float(it.confidence), 3) if it else 0.0,
                "reason": it.reason if it else "",
            })
    return rows


def figures(rows: Iterable[dict]) -> dict:
    """The aggregate figures of ``rows`` (module docstring), KB items left out unless
    named in ``agreement_all``."""
    rows = list(rows)
    core = [r for r in rows if r["item"] not in KB_ITEMS]
    decided = [r for r in core if r["engine"] != "needs_review"]
    down = [r for r in core if r["officer"] in MARKED_DOWN]

    def share(k: int, n: int) -> float | None:
        return round(100.0 * k / n, 1) if n else None

    return {
        "items": len(core),
        "agreement": share(sum(r["engine"] == r["officer"] for r in core), len(core)),
        "agreement_all": share(sum(r["engine"] == r["officer"] for r in rows), len(rows)),
        "officer_marked_down": len(down),
        "marked_down": share(sum(r["engine"] in MARKED_DOWN for r in down), len(down)),
        "marked_down_or_review": share(sum(r["engine"] in MARKED_DOWN | {"needs_review"} for r in down), len(down)),
        "auto_decided": len(decided),
        "auto_accuracy": share(sum(r["engine"] == r["officer"] for r in decided), len(decided)),
        "needs_review_rate": share(len(core) - len(decided), len(core)),
        "more_lenient": sum(_rank(r["engine"]) > _rank(r["officer"]) for r in decided),
        "stricter": sum(_rank(r["engine"]) < _rank(r["officer"]) for r in decided),
    }


def _rank(verdict: str) -> int:
    # fail < partial < pass; not_applicable counts as lenient (nothing marked down)
    return {"fail": 0, "partial": 1, "pass": 2, "not_applicable": 2}.get(verdict, 1)


def reliability(rows: Iterable[dict]) -> list[dict]:
    """Auto-decided core verdicts binned by confidence: mean confidence vs share right."""
    out = []
    decided = [r for r in rows if r["item"] not in KB_ITEMS and r["engine"] != "needs_review"]
    for lo, hi in zip(BINS, BINS[1:]):
        b = [r for r in decided if lo <= r["confidence"] < hi]
        out.append({
            "bin": f"{lo:.1f}-{min(hi, 1.0):.1f}", "n": len(b),
            "mean_confidence": round(sum(r["confidence"] for r in b) / len(b), 3) if b else None,
            "accuracy": round(sum(r["engine"] == r["officer"] for r in b) / len(b), 3) if b else None,
        })
    return out


def report(rows: list[dict], split: str) -> dict:
    """Everything printed: overall, per language, per item, reliability."""
    by_lang: dict[str, list[dict]] = defaultdict(list)
    by_item: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_lang[r["language"]].append(r)
        by_item[r["item"]].append(r)
    return {
        "split": split,
        "calls": len({r["call"] for r in rows}),
        "overall": figures(rows),
        "per_language": {lang: figures(rs) for lang, rs in sorted(by_lang.items())},
        "per_item": {item: _item_figures(rs) for item, rs in by_item.items()},
        "reliability": reliability(rows),
    }


def _item_figures(rows: list[dict]) -> dict:
    out = {}
    for lang in ("all", *sorted({r["language"] for r in rows})):
        rs = rows if lang == "all" else [r for r in rows if r["language"] == lang]
        n = len(rs)
        down = [r for r in rs if r["officer"] in MARKED_DOWN]
        decided = [r for r in rs if r["engine"] != "needs_review"]
        out[lang] = {
            "n": n,
            "agreement": round(100.0 * sum(r["engine"] == r["officer"] for r in rs) / n, 1) if n else None,
            "officer_marked_down": len(down),
            "marked_down": round(100.0 * sum(r["engine"] in MARKED_DOWN for r in down) / len(down), 1) if down else None,
            "auto_accuracy": (round(100.0 * sum(r["engine"] == r["officer"] for r in decided) / len(decided), 1)
                              if decided else None),
            "needs_review": sum(r["engine"] == "needs_review" for r in rs),
        }
    return out


def _fmt(v) -> str:
    return "-" if v is None else (f"{v:.1f}" if isinstance(v, float) else str(v))


def text(rep: dict) -> str:
    """The report as Markdown tables."""
    o = rep["overall"]
    lines = [f"officer_set, split '{rep['split']}': {rep['calls']} calls, {o['items']} items scored "
             f"(knowledge-base items {', '.join(sorted(KB_ITEMS))} left out of the headline figures)", ""]
    head = ("| scope | agreement % | marked down % (of n) | + review % | auto-decided right % (of n) "
            "| needs_review % | lenient / stricter | agreement, all 18 items % |")
    lines += [head, "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for name, f in [("all", o), *rep["per_language"].items()]:
        lines.append(f"| {name} | {_fmt(f['agreement'])} | {_fmt(f['marked_down'])} ({f['officer_marked_down']}) "
                     f"| {_fmt(f['marked_down_or_review'])} | {_fmt(f['auto_accuracy'])} ({f['auto_decided']}) "
                     f"| {_fmt(f['needs_review_rate'])} | {f['more_lenient']} / {f['stricter']} "
                     f"| {_fmt(f['agreement_all'])} |")
    langs = [l for l in next(iter(rep["per_item"].values())) if l != "all"]
    lines += ["", "| item | agreement % all | " + " | ".join(f"agreement % {l}" for l in langs)
              + " | marked down % (of n) | " + " | ".join(f"marked down % {l} (of n)" for l in langs)
              + " | auto right % | needs_review |",
              "| --- " * (5 + 2 * len(langs)) + "|"]
    for item, f in rep["per_item"].items():
        a = f["all"]
        lines.append(f"| {item} | {_fmt(a['agreement'])} | " + " | ".join(_fmt(f[l]["agreement"]) for l in langs)
                     + f" | {_fmt(a['marked_down'])} ({a['officer_marked_down']}) | "
                     + " | ".join(f"{_fmt(f[l]['marked_down'])} ({f[l]['officer_marked_down']})" for l in langs)
                     + f" | {_fmt(a['auto_accuracy'])} | {a['needs_review']} |")
    lines += ["", "| confidence | n | mean confidence | observed accuracy |", "| --- | --- | --- | --- |"]
    for b in rep["reliability"]:
        lines.append(f"| {b['bin']} | {b['n']} | {_fmt(b['mean_confidence'])} | {_fmt(b['accuracy'])} |")
    return "\n".join(lines)


SMOOTHING = 2.0  # pseudo-counts pulling a sparse cell towards its item's rate


def corpus_rows(config: str | None = None) -> list[dict]:
    """Raw rows of the project's own labelled transcripts (corpus/ and sample_audio/
    ``*.truth.json`` with ``expected`` verdicts): more examples for the calibration."""
    from call_qa.compose import score_transcript
    from call_qa.config import load_settings

    settings = load_settings(config)
    options = {**settings.rubric.options, "calibration": "", "review_below_confidence": 0.0}
    settings = settings.model_copy(update={"rubric": settings.rubric.model_copy(update={"options": options})})
    rows = []
    for folder in (ROOT / "corpus", ROOT / "sample_audio"):
        for path in sorted(folder.glob("*.truth.json")):
            truth = json.loads(path.read_text(encoding="utf-8"))
            expected = {k: v for k, v in (truth.get("expected") or {}).items() if v != "needs_review"}
            if not expected:
                continue
            found = {it.id: it for it in score_transcript(path, settings).scorecard.items}
            rows += [{"language": truth["language"], "call": truth["call_id"], "item": item, "officer": want,
                      "engine": found[item].verdict.value, "confidence": found[item].confidence, "reason": ""}
                     for item, want in expected.items() if item in found]
    return rows


def fit_calibration(rows: list[dict]) -> dict:
    """The calibration table (call_qa/rubric/calibration.py) from raw tuning rows: per
    item and verdict the share the officer agreed with, smoothed towards the item's
    share (itself smoothed towards the overall share)."""
    import datetime

    decided = [r for r in rows if r["engine"] != "needs_review"]
    ok = lambda rs: sum(r["engine"] == r["officer"] for r in rs)  # noqa: E731
    overall = ok(decided) / len(decided)
    items: dict[str, dict] = {}
    for item in dict.fromkeys(r["item"] for r in decided):
        rs = [r for r in decided if r["item"] == item]
        p_item = (ok(rs) + SMOOTHING * overall) / (len(rs) + SMOOTHING)
        cell = {"all": {"n": len(rs), "right": ok(rs), "confidence": round(p_item, 3)}}
        for verdict in sorted({r["engine"] for r in rs}):
            vs = [r for r in rs if r["engine"] == verdict]
            cell[verdict] = {"n": len(vs), "right": ok(vs),
                             "confidence": round((ok(vs) + SMOOTHING * p_item) / (len(vs) + SMOOTHING), 3)}
        items[item] = cell
    return {
        "provenance": {
            "fitted_on": "corpus/officer_set split 'tuning' (22 calls, blind officer labels) and the project's "
                         "labelled transcripts (corpus/, sample_audio/ *.truth.json 'expected'); the officer set's "
                         "test half was not used",
            "command": "benchmarks/officer_agreement.py --split tuning --fit-calibration",
            "method": f"binned per (item, verdict): (right + {SMOOTHING:g} x item rate) / (n + {SMOOTHING:g}); "
                      f"item rate smoothed to the overall rate the same way",
            "date": datetime.date.today().isoformat(),
        },
        "overall": {"n": len(decided), "right": ok(decided), "confidence": round(overall, 3)},
        "items": items,
    }


def threshold_sweep(rows: list[dict]) -> list[tuple[float, float, float]]:
    """(threshold, auto-decided accuracy %, needs_review % of core items) for thresholds
    0.50 … 0.95 on calibrated rows scored with review off (tuning half only)."""
    core = [r for r in rows if r["item"] not in KB_ITEMS]
    out = []
    for t in [x / 100 for x in range(50, 96, 5)]:
        kept = [r for r in core if r["engine"] != "needs_review" and r["confidence"] >= t]
        acc = 100.0 * sum(r["engine"] == r["officer"] for r in kept) / len(kept) if kept else 0.0
        out.append((t, round(acc, 1), round(100.0 * (len(core) - len(kept)) / len(core), 1)))
    return out


def main() -> int:
    """Print the figures of one split (module docstring)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--split", choices=("tuning", "test"), default="tuning")
    p.add_argument("--config", default=None, help="pipeline YAML (default: the shipped settings)")
    p.add_argument("--json", action="store_true", help="machine output")
    p.add_argument("--review-below", type=float, default=None, metavar="T",
                   help="rubric.options.review_below_confidence for this run (default: the shipped setting)")
    p.add_argument("--details", action="store_true", help="list every disagreement (tuning half only)")
    p.add_argument("--rows", default=None, metavar="FILE", help="write the per-call rows as JSON (tuning half only)")
    p.add_argument("--fit-calibration", action="store_true",
                   help="fit configs/rubrics/calibration.yaml on the raw verdicts and print a threshold sweep "
                        "(tuning half only)")
    args = p.parse_args()
    if args.split == "test" and (args.details or args.rows or args.fit_calibration):
        p.error("the test half is for aggregate figures only: --details/--rows/--fit-calibration are refused there")
    if args.fit_calibration:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        logging.basicConfig(level=logging.ERROR)
        import yaml

        table = fit_calibration(score_split("tuning", args.config, raw=True) + corpus_rows(args.config))
        out = ROOT / "call_qa" / "configs" / "rubrics" / "calibration.yaml"
        head = ("# Calibrated confidence per phone item and verdict (call_qa/rubric/calibration.py).\n"
                "# Written by benchmarks/officer_agreement.py --fit-calibration; do not edit by hand.\n")
        out.write_text(head + yaml.safe_dump(table, sort_keys=False, allow_unicode=True), encoding="utf-8")
        print(f"wrote {out.relative_to(ROOT)}")
        from call_qa.rubric.calibration import load_calibration

        load_calibration.cache_clear()
        rows = score_split("tuning", args.config, review_off=True)
        print("| threshold | auto-decided right % | needs_review % |\n| --- | --- | --- |")
        for t, acc, rev in threshold_sweep([r for r in rows]):
            print(f"| {t:.2f} | {acc} | {rev} |")
        return 0
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    logging.basicConfig(level=logging.ERROR)
    rows = score_split(args.split, args.config, review_below=args.review_below)
    rep = report(rows, args.split)
    if args.rows:
        Path(args.rows).write_text(json.dumps(rows, indent=1, ensure_ascii=False), encoding="utf-8")
    if args.json:
        print(json.dumps(rep, indent=1))
    else:
        print(text(rep))
    if args.details:
        bad = [r for r in rows if r["engine"] != r["officer"] and r["item"] not in KB_ITEMS]
        print(f"\n{len(bad)} disagreement(s) (KB items left out):")
        for r in bad:
            print(f"  {r['call']}: {r['item']} officer {r['officer']}, engine {r['engine']} "
                  f"({r['confidence']:.2f}) — {r['reason'][:170]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
