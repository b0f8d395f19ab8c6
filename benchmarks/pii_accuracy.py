#!/usr/bin/env python3
"""Recall and precision of personal-data detection per type, on the labelled set.

    .venv/bin/python benchmarks/pii_accuracy.py [corpus/pii/*.jsonl] [--show-errors] [--json]

Sections: [id], [en], [whisper] (only corpus/pii/whisper_spoken.jsonl: espeak-ng read
the identifiers and names, the bundled Whisper base wrote them down) and [all].

The caller's name is looked up the way the pipeline does (the rubric's identification
finding, call_qa.rubric.identification.caller_names), not taken from the label. Recall: labelled entities
whose every word is covered by findings of their type; "redacted": covered by findings
of any type (what redaction needs: a NIK typed as NPWP is still hidden); precision:
findings of a type that overlap an entity of that type (call_qa/pii/labels.py). Targets: recall >= 0.98,
precision >= 0.95 per type.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from call_qa.config import PipelineSettings  # noqa: E402
from call_qa.pii import DetectOptions, detect_personal_data  # noqa: E402
from call_qa.rubric.identification import caller_names  # noqa: E402
from call_qa.pii.labels import TypeScore, load_labelled, score_call  # noqa: E402
from call_qa.rubric.setup import options_for  # noqa: E402
from call_qa.rubric.setup import lexicon_for, phone_rubric  # noqa: E402

RECALL_TARGET, PRECISION_TARGET = 0.98, 0.95


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="*", type=Path, help="labelled .jsonl files (default: corpus/pii/*.jsonl)")
    ap.add_argument("--show-errors", action="store_true", help="list every miss and false alarm")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    files = args.files or sorted((ROOT / "corpus" / "pii").glob("*.jsonl"))
    calls = load_labelled(files)
    # the Whisper transcripts of spoken identifiers (corpus/pii/make_spoken.py), also on their own
    spoken_ids = {c.call_id for f in files if f.name == "whisper_spoken.jsonl" for c in load_labelled([f])}
    settings = PipelineSettings()
    rubric = phone_rubric(settings)
    options = options_for(settings)
    results: dict[str, dict] = {}
    t0 = time.perf_counter()
    for lang in ("id", "en", "whisper", "all"):
        scores: dict = {}
        for call in calls:
            if lang == "whisper" and call.call_id not in spoken_ids:
                continue
            if lang in ("id", "en") and call.language != lang:
                continue
            lexicon = lexicon_for(settings, call.language)
            names = caller_names(call.utterances, call.language, rubric, lexicon, options)
            findings = detect_personal_data(call.utterances, DetectOptions(caller_names=names))
            score_call(call, findings, scores)
        results[lang] = scores
    elapsed = time.perf_counter() - t0
    ok = True
    if args.json:
        print(json.dumps({lang: {t.value: {"entities": s.entities, "recall": s.recall, "redacted": s.redacted, "findings": s.findings,
                                           "precision": s.precision} for t, s in sc.items()}
                          for lang, sc in results.items()}, indent=2))
    n_words = sum(len(u.words) for c in calls for u in c.utterances)
    if not args.json:
        print(f"{len(calls)} calls, {n_words} words, files: {', '.join(str(f.relative_to(ROOT)) if f.is_absolute() and ROOT in f.parents else str(f) for f in files)}")
        print(f"detection time {elapsed / 3:.2f} s per pass over the set\n")
    for lang, scores in results.items():
        if not args.json:
            print(f"[{lang}]  type      entities  recall   redacted  findings  precision")
        for typ in sorted(scores, key=lambda t: t.value):
            s: TypeScore = scores[typ]
            rec = "-" if s.recall is None else f"{s.recall:.3f}"
            pre = "-" if s.precision is None else f"{s.precision:.3f}"
            if lang == "all" and ((s.recall is not None and s.recall < RECALL_TARGET)
                                  or (s.precision is not None and s.precision < PRECISION_TARGET)):
                ok = False
            if not args.json:
                red = "-" if not s.entities else f"{s.redacted / s.entities:.3f}"
                print(f"      {typ.value:<9} {s.entities:>8}  {rec:>6}   {red:>8}  {s.findings:>8}  {pre:>9}")
            if args.show_errors:
                for m in s.misses:
                    print(f"        MISS  {m}")
                for f in s.false_alarms:
                    print(f"        FALSE {f}")
        if not args.json:
            print()
    if not args.json:
        print("targets met" if ok else f"BELOW TARGET (recall {RECALL_TARGET}, precision {PRECISION_TARGET} per type)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
