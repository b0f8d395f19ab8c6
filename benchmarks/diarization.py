"""DER of the offline mono diarizer, per file, without transcription.

    .venv/bin/python benchmarks/diarization.py [--set pyannote,ami2,corpus] [--json]

Sets (each file needs a reference RTTM):

* ``pyannote`` — the real 30 s two-party phone call inside pyannote.audio;
* ``ami2`` / ``ami`` — the AMI meeting excerpts in ../shared/data/ami_excerpts with two
  speakers (``ami2``) or all of them (``ami``);
* ``corpus`` — the mono calls of the synthetic corpus (corpus/*.truth.json, layout mono).

Every file is decoded as mono (``layout=mono``) and run through
``call_qa.diarization.mono_activity`` with the settings of ``configs/pipeline.yaml``
(or ``--config``); DER comes from ``call_qa.evaluation.diarization_error``
(pyannote.metrics, overlap scored, collar 0 and 0.25 s). ``overall`` pools the
seconds of all files of a set. The figures in docs/pipeline.md come from this script.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "data"


def _ami(min_speakers: int, max_speakers: int) -> list[tuple[str, Path, list[dict]]]:
    """AMI excerpts with between ``min_speakers`` and ``max_speakers`` speakers (the
    debug RTTMs hold several recordings each)."""
    ami = SHARED / "ami_excerpts"
    turns: dict[str, list[dict]] = {}
    for rttm in sorted(ami.glob("debug.*.rttm")):
        for line in rttm.read_text().splitlines():
            parts = line.split()
            if len(parts) >= 8 and parts[0] == "SPEAKER":
                start, dur = float(parts[3]), float(parts[4])
                turns.setdefault(parts[1], []).append({"start": start, "end": start + dur, "speaker": parts[7]})
    out = []
    for uri, t in sorted(turns.items()):
        if min_speakers <= len({x["speaker"] for x in t}) <= max_speakers:
            out.append((f"ami_{uri}", ami / f"{uri}.wav", t))
    return out


def reference_sets(names: list[str]) -> dict[str, list[tuple[str, Path, list[dict]]]]:
    from call_qa.evaluation import read_rttm

    sets: dict[str, list[tuple[str, Path, list[dict]]]] = {}
    for name in names:
        if name == "pyannote":
            import pyannote.audio

            sample = Path(pyannote.audio.__file__).parent / "sample"
            sets[name] = [("pyannote_sample", sample / "sample.wav", read_rttm(sample / "sample.rttm"))]
        elif name == "ami2":
            sets[name] = _ami(2, 2)
        elif name == "ami":
            sets[name] = _ami(1, 9)
        elif name == "corpus":
            calls = []
            for truth in sorted((ROOT / "corpus").glob("*.truth.json")):
                d = json.loads(truth.read_text(encoding="utf-8"))
                if d.get("layout") == "mono":
                    stem = truth.name[: -len(".truth.json")]
                    calls.append((stem, truth.with_name(stem + ".flac"), list(d["turns"])))
            sets[name] = calls
        else:
            raise SystemExit(f"unknown set '{name}': use pyannote, ami2, ami or corpus")
    return sets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", default="pyannote,ami2,corpus", help="comma-separated: pyannote, ami2, ami, corpus")
    parser.add_argument("--config", default=None, help="pipeline YAML (default configs/pipeline.yaml)")
    parser.add_argument("--filter", default="", help="only files whose name contains this")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("NUMBA_CACHE_DIR", str(ROOT / "var" / "numba"))
    from call_qa import audio as audio_mod
    from call_qa.config import load_settings
    from call_qa.diarization import mono_activity
    from call_qa.evaluation import diarization_error
    from call_qa.models import disable_telemetry

    disable_telemetry()
    settings = load_settings(args.config)
    report: dict[str, dict] = {}
    for set_name, files in reference_sets(args.set.split(",")).items():
        rows = {}
        pooled = {0.0: [0.0, 0.0], 0.25: [0.0, 0.0]}
        for name, path, truth in files:
            if args.filter not in name:
                continue
            call_audio = audio_mod.decode(path, layout="mono")
            t0 = time.perf_counter()
            activity = mono_activity(call_audio, settings.vad, settings.diarization)
            elapsed = time.perf_counter() - t0
            found = [{"start": s.start, "end": s.end, "speaker": lab} for lab, spans in activity.speakers.items() for s in spans]
            row = {"speakers_true": len({t["speaker"] for t in truth}), "speakers_found": len(activity.speakers),
                   "seconds": round(elapsed, 2), "audio_s": round(call_audio.duration, 1)}
            for collar in (0.0, 0.25):
                d = diarization_error(truth, found, collar=collar, uri=name)
                pooled[collar][0] += d["confusion"] + d["missed detection"] + d["false alarm"]
                pooled[collar][1] += d["total"]
                row[f"der_{collar}"] = round(100 * d["diarization error rate"], 1)
                row[f"parts_{collar}"] = {k: round(d[k], 2) for k in ("confusion", "missed detection", "false alarm", "total")}
            rows[name] = row
            if not args.json:
                print(f"{set_name:8} {name:28} DER {row['der_0.0']:5.1f} %  c.25 {row['der_0.25']:5.1f} %  "
                      f"(conf {row['parts_0.25']['confusion']:.1f} s, miss {row['parts_0.25']['missed detection']:.1f} s, "
                      f"fa {row['parts_0.25']['false alarm']:.1f} s of {row['parts_0.25']['total']:.1f} s)  "
                      f"speakers {row['speakers_found']}/{row['speakers_true']}  {elapsed:.1f} s", flush=True)
        overall = {f"der_{c}": round(100 * e / t, 1) if t else None for c, (e, t) in pooled.items()}
        report[set_name] = {"files": rows, "overall": overall}
        if not args.json:
            print(f"{set_name:8} {'overall (pooled)':28} DER {overall['der_0.0']} %  c.25 {overall['der_0.25']} %", flush=True)
    if args.json:
        print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
