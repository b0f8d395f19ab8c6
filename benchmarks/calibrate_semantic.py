"""Calibrate the semantic matcher's thresholds on the corpus (configs/rubrics/semantic.yaml).

    .venv/bin/python benchmarks/calibrate_semantic.py            # print the table
    .venv/bin/python benchmarks/calibrate_semantic.py --write    # also write the thresholds

For each language with examples and each cue list there, every agent sentence of the
ground-truth transcripts (``corpus/*.truth.json``, ``sample_audio/*.truth.json``) and
of the email corpus (``corpus/emails``: reply sentences) is scored: its best cosine
similarity to the list's examples. The label of a sentence is whether the list's
phrases (the hand-written lexicon, configs/cues/<lang>.yaml) match it — silver labels:
the lexicon is what QA wrote down as the cue. The threshold chosen is the lowest that
keeps precision at 1.0 on the corpus (no sentence without the cue reaches it) plus a
margin of 0.02, so the matcher only ever adds paraphrases that score above every
non-cue sentence seen. Printed per list: positives, negatives, the highest negative,
the chosen threshold, and the recall of the phrase-labelled positives at it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
MARGIN = 0.02


def agent_sentences(language: str) -> list[str]:
    from call_qa.rubric.email import parse_email
    from call_qa.rubric.semantic import split_sentences

    out: list[str] = []
    for folder in (ROOT / "corpus", ROOT / "sample_audio"):
        for path in sorted(folder.glob("*.truth.json")):
            d = json.loads(path.read_text(encoding="utf-8"))
            if d.get("language") != language:
                continue
            for u in d.get("utterances", []):
                if u["role"] == "agent":
                    out += split_sentences(u["text"])
    for path in sorted((ROOT / "corpus" / "emails").glob("*.truth.json")):
        d = json.loads(path.read_text(encoding="utf-8"))
        if d.get("language") != language:
            continue
        thread = parse_email((path.parent / d["file"]).read_bytes())
        out += [s for s in re.split(r"(?<=[.!?])\s+|\n+", thread.reply) if s.strip()]
    return list(dict.fromkeys(s.strip() for s in out if s.strip()))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--examples", default=str(ROOT / "configs" / "rubrics" / "semantic.yaml"))
    p.add_argument("--write", action="store_true", help="write the thresholds into the examples file")
    args = p.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import yaml

    from call_qa.domain import Role, Utterance
    from call_qa.rubric import load_cues
    from call_qa.rubric.matchers import PhraseMatcher
    from call_qa.rubric.semantic import SentenceEncoder, load_semantic_examples

    path = Path(args.examples)
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    results: dict[str, dict] = {}
    print("| language | cue list | positives | negatives | highest negative | threshold | recall at threshold |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for language in doc.get("languages", {}):
        ex = load_semantic_examples(path, language)
        encoder = SentenceEncoder.load(ex.encoder)
        phrases = PhraseMatcher(load_cues(ROOT / "configs" / "cues" / f"{language}.yaml"))
        sentences = agent_sentences(language)
        for cue, examples in ex.examples.items():
            sims = encoder.similarity(sentences, list(examples)).max(axis=1)
            labels = [bool(phrases.find(Utterance(0, 1, "a", Role.AGENT, s), cue)) for s in sentences]
            pos = [float(s) for s, l in zip(sims, labels) if l]
            neg = [float(s) for s, l in zip(sims, labels) if not l]
            top_neg = max(neg, default=0.0)
            threshold = round(min(0.95, top_neg + MARGIN), 3)
            recall = sum(s >= threshold for s in pos) / len(pos) if pos else float("nan")
            results.setdefault(language, {})[cue] = {
                "positives": len(pos), "negatives": len(neg), "highest_negative": round(top_neg, 3),
                "threshold": threshold, "recall": round(recall, 3),
                "positive_median": round(sorted(pos)[len(pos) // 2], 3) if pos else None,
            }
            print(f"| {language} | {cue} | {len(pos)} | {len(neg)} | {top_neg:.3f} | {threshold:.3f} | {recall:.0%} |")
    if args.write:
        text = path.read_text(encoding="utf-8")
        for language, lists in results.items():
            for cue, r in lists.items():
                # Replace the threshold line that follows "<cue>:" within the language block.
                text = re.sub(rf"(\n      {re.escape(cue)}:\n        threshold: )[0-9.]+",
                              rf"\g<1>{r['threshold']}", text, count=1)
        block = yaml.safe_dump({"calibration": {"method": "lowest threshold with precision 1.0 on the corpus "
                                                          f"agent sentences (phrase-labelled) + {MARGIN}",
                                                "script": "benchmarks/calibrate_semantic.py",
                                                "results": results}}, sort_keys=False, width=110)
        text = re.sub(r"\ncalibration: \{\}\n|\ncalibration:\n(?:  .*\n)+", "\n" + block, text, count=1)
        path.write_text(text, encoding="utf-8")
        load_semantic_examples(path, next(iter(results)))  # still valid
        print(f"\nwrote thresholds into {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
