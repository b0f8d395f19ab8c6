"""Rubric agreement with the corpus's `expected` verdicts, per language and per item.

    .venv/bin/python benchmarks/rubric_agreement.py                 # truth transcripts (score-transcript path)
    .venv/bin/python benchmarks/rubric_agreement.py --no-semantic   # phrases only
    .venv/bin/python benchmarks/rubric_agreement.py --asr var/eval  # per-call JSON from `call-qa process --out`
    .venv/bin/python benchmarks/rubric_agreement.py --emails        # corpus/emails (score-email path)

Phone calls: every ``corpus/*.truth.json`` and ``sample_audio/*.truth.json`` is scored
from its truth utterances exactly as ``call-qa score-transcript`` does (timing from the
utterances; no audio). ``--asr DIR`` instead reads the scorecards the audio pipeline
wrote (``call-qa process corpus --out DIR``) and compares them with the same truth.
Prints a table: rows = items, columns = languages (agreement % and n), plus the
disagreements with the reasons the engine gave.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _phone_rows(args) -> list[tuple[str, str, str, str, str, str]]:
    """(language, call, item, expected, found, reason) for every expected verdict."""
    from call_qa.config import load_settings
    from call_qa.compose import score_transcript

    settings = load_settings(args.config)
    if args.no_semantic:
        settings = settings.model_copy(update={"rubric": settings.rubric.model_copy(
            update={"semantic": settings.rubric.semantic.model_copy(update={"enabled": False})})})
    if args.kb:
        settings = settings.model_copy(update={"rubric": settings.rubric.model_copy(update={"knowledge_base": args.kb})})
    rows = []
    folders = [ROOT / "corpus", ROOT / "sample_audio"]
    for folder in folders:
        for path in sorted(folder.glob("*.truth.json")):
            truth = json.loads(path.read_text(encoding="utf-8"))
            expected = truth.get("expected") or {}
            if not expected:
                continue
            if args.asr:
                found_path = Path(args.asr) / f"{truth['call_id']}.json"
                if not found_path.exists():
                    continue
                doc = json.loads(found_path.read_text(encoding="utf-8"))
                items = {it["id"]: (it["verdict"], it.get("reason", "")) for it in (doc.get("scorecard") or {}).get("items", [])}
            else:
                result = score_transcript(path, settings)
                items = {it.id: (it.verdict.value, it.reason) for it in result.scorecard.items}
            for item, want in expected.items():
                got, reason = items.get(item, ("missing", ""))
                rows.append((truth["language"], path.name.split(".")[0], item, want, got, reason))
    return rows


def _email_rows(args) -> list[tuple[str, str, str, str, str, str]]:
    from call_qa.config import load_settings
    from call_qa.compose import score_email_file

    settings = load_settings(args.config)
    rows = []
    for path in sorted((ROOT / "corpus" / "emails").glob("*.truth.json")):
        truth = json.loads(path.read_text(encoding="utf-8"))
        email = path.with_name(truth["file"])
        result = score_email_file(email, settings)
        items = {it.id: (it.verdict.value, it.reason) for it in result.scorecard.items}
        for item, want in truth["expected"].items():
            got, reason = items.get(item, ("missing", ""))
            rows.append((truth["language"], path.name.split(".")[0], item, want, got, reason))
    return rows


def table(rows) -> str:
    langs = sorted({r[0] for r in rows})
    items = list(dict.fromkeys(r[2] for r in rows))
    agree: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for lang, _, item, want, got, _ in rows:
        a = agree[(lang, item)]
        a[0] += want == got
        a[1] += 1
    out = ["| item | " + " | ".join(f"{l} % (n)" for l in langs) + " |",
           "| --- | " + " | ".join("---" for _ in langs) + " |"]
    for item in items:
        cells = []
        for l in langs:
            ok, n = agree.get((l, item), [0, 0])
            cells.append(f"{100 * ok / n:.0f} ({n})" if n else "-")
        out.append(f"| {item} | " + " | ".join(cells) + " |")
    totals = []
    for l in langs:
        ok = sum(v[0] for (ll, _), v in agree.items() if ll == l)
        n = sum(v[1] for (ll, _), v in agree.items() if ll == l)
        totals.append(f"{100 * ok / n:.1f} ({n})")
    out.append("| **all items** | " + " | ".join(totals) + " |")
    return "\n".join(out)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--config", default=None, help="pipeline YAML (default configs/pipeline.yaml)")
    p.add_argument("--no-semantic", action="store_true", help="phrase matching only")
    p.add_argument("--kb", default=None, help="knowledge base to use (default: the pipeline setting)")
    p.add_argument("--asr", default=None, metavar="DIR", help="compare per-call JSON written by `call-qa process --out DIR`")
    p.add_argument("--emails", action="store_true", help="score corpus/emails instead of the phone calls")
    p.add_argument("--quiet", action="store_true", help="table only, no disagreement list")
    args = p.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import logging

    logging.basicConfig(level=logging.WARNING)
    rows = _email_rows(args) if args.emails else _phone_rows(args)
    print(table(rows))
    if not args.quiet:
        bad = [r for r in rows if r[3] != r[4]]
        print(f"\n{len(bad)} disagreement(s):")
        for lang, call, item, want, got, reason in bad:
            print(f"  {call}: {item} expected {want}, got {got} — {reason[:160]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
