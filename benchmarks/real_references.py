"""Accuracy on real recordings made outside this project (../shared/data and the
call inside pyannote.audio), where their references apply: DER from RTTM, WER from
reference text.

    .venv/bin/python benchmarks/real_references.py [--json]

Builds a corpus folder in var/real_references/ (links to the audio plus one RTTM per
recording), runs the pipeline with the default settings (English) and prints the
`call-qa eval` table. The figures in docs/pipeline.md come from this script.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "data"


def build_corpus(target: Path) -> Path:
    import pyannote.audio

    target.mkdir(parents=True, exist_ok=True)

    def link(src: Path, name: str) -> None:
        dst = target / name
        if dst.is_symlink() or dst.exists():
            dst.unlink()
        dst.symlink_to(src)

    ami = SHARED / "ami_excerpts"
    rttm_lines: dict[str, list[str]] = {}
    for rttm in ami.glob("debug.*.rttm"):
        for line in rttm.read_text().splitlines():
            if line.startswith("SPEAKER"):
                rttm_lines.setdefault(line.split()[1], []).append(line)
    for uri, lines in sorted(rttm_lines.items()):
        link(ami / f"{uri}.wav", f"ami_{uri}.wav")
        (target / f"ami_{uri}.rttm").write_text("\n".join(lines) + "\n")
    sample = Path(pyannote.audio.__file__).parent / "sample"
    for ext in ("wav", "rttm", "stm"):
        link(sample / f"sample.{ext}", f"pyannote_sample.{ext}")
    link(SHARED / "jfk" / "jfk.flac", "jfk.flac")
    link(SHARED / "jfk" / "jfk.ref.txt", "jfk.ref.txt")
    return target


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("NUMBA_CACHE_DIR", str(ROOT / "var" / "numba"))
    from call_qa.config import load_settings
    from call_qa.evaluation import CorpusEvaluation, evaluate_call, find_corpus, format_table, to_json
    from call_qa.models import disable_telemetry
    from call_qa.pipeline import process_recording

    disable_telemetry()
    corpus = find_corpus(build_corpus(ROOT / "var" / "real_references"))
    settings = load_settings().with_overrides(language="en")
    results = []
    for i, truth in enumerate(corpus, 1):
        print(f"[{i}/{len(corpus)}] {truth.name}", file=sys.stderr, flush=True)
        results.append(evaluate_call(truth, process_recording(truth.audio, settings)))
    evaluation = CorpusEvaluation(tuple(results))
    print(json.dumps(to_json(evaluation), indent=2) if args.json else format_table(evaluation))


if __name__ == "__main__":
    main()
