"""Peak memory and time of one long call through the whole pipeline (fresh process).

    .venv/bin/python benchmarks/long_call.py [--minutes 120] [--kind speech|hold] [--model bundled:tiny.en]
                                             [--threads 1] [--layout auto|mono] [--whole]

The call is generated once under var/bench/: ``speech`` repeats the bundled stereo
sample en_stereo_interrupt.flac (16 kHz, English, speech throughout) to the length asked;
``hold`` is 2 minutes of that speech, then hold music / silence, then 2 more minutes
of speech (a caller left on hold). The pipeline runs in a child process; its peak
resident memory (ru_maxrss), wall and CPU time are printed, with the figures of a
shorter call for comparison when --compare is given. Calls longer than
``long_calls.pieces_after_s`` are processed in pieces (call_qa/long_call.py);
``--whole`` switches that off to show what the call costs decoded whole, and
``--layout mono`` mixes the channels so the mono diarizer and speaker linking run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "sample_audio" / "en_stereo_interrupt.flac"  # 88.1 s, stereo, 16 kHz, English


def make_call(minutes: float, kind: str) -> Path:
    out = ROOT / "var" / "bench" / f"long_{kind}_{minutes:g}min.flac"
    if out.exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    seconds = minutes * 60
    if kind == "speech":
        repeats = int(seconds // 88.13)  # sox repeats N more times
        subprocess.run(["sox", str(SOURCE), str(out), "repeat", str(repeats), "trim", "0", str(seconds)], check=True)
    else:
        speech = out.with_suffix(".speech.wav")
        subprocess.run(["sox", str(SOURCE), str(speech), "repeat", "1"], check=True)  # ~3 min of speech
        middle = max(0.0, seconds - 2 * 120)
        hold = out.with_suffix(".hold.wav")
        # hold music on both channels: a synth chord pattern, quiet
        subprocess.run(
            ["sox", "-n", "-r", "16000", "-c", "2", str(hold), "synth", str(middle), "pluck", "C4", "pluck", "E4", "vol", "0.2"],
            check=True,
        )
        first, last = out.with_suffix(".a.wav"), out.with_suffix(".b.wav")
        subprocess.run(["sox", str(speech), str(first), "trim", "0", "120"], check=True)
        subprocess.run(["sox", str(speech), str(last), "trim", "60", "120"], check=True)
        subprocess.run(["sox", str(first), str(hold), str(last), str(out)], check=True)
        for f in (speech, hold, first, last):
            f.unlink()
    return out


CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
from call_qa.config import load_settings
from call_qa.models import disable_telemetry, load_whisper
from call_qa.pipeline import process_recording
disable_telemetry()
s = load_settings().with_overrides(language="en")
s = s.model_copy(update={{"asr": s.asr.model_copy(update={{"models": {{"default": {model!r}}}, "cpu_threads": {threads}}}),
                          "layout": {layout!r},
                          "long_calls": s.long_calls.model_copy(update={{"pieces_after_s": {pieces_after}}})}})
load_whisper({model!r}, s.asr.device, s.asr.compute_type, s.asr.cpu_threads)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
r = process_recording({path!r}, s)
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({{"status": r.status.value, "errors": list(r.errors), "duration_s": r.duration_s,
    "seconds": time.perf_counter() - t, "cpu_s": usage.ru_utime + usage.ru_stime, "utterances": len(r.utterances),
    "pieces": r.settings.get("pieces", {{}}).get("count", 1), "speakers": [(x.label, x.role.value, x.talk_s) for x in r.speakers],
    "events": {{k: sum(1 for e in r.events if e.type.value == k) for k in ("hold", "transfer", "dead_air")}},
    "rss_after_model_mib": base / 1024, "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def run(path: Path, model: str, threads: int, layout: str = "auto", whole: bool = False) -> dict:
    pieces_after = 1e9 if whole else None  # None: the configured long_calls.pieces_after_s
    code = CHILD.format(root=str(ROOT), model=model, threads=threads, path=str(path), layout=layout,
                        pieces_after="s.long_calls.pieces_after_s" if pieces_after is None else pieces_after)
    env = dict(os.environ, NUMBA_CACHE_DIR=str(ROOT / "var" / "numba"), HF_HUB_OFFLINE="1", ORT_DISABLE_TELEMETRY="1")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=120)
    parser.add_argument("--kind", choices=("speech", "hold"), default="speech")
    parser.add_argument("--model", default="bundled:tiny.en")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--compare", type=float, default=None, metavar="MINUTES", help="also run a call this long")
    parser.add_argument("--layout", choices=("auto", "mono"), default="auto", help="mono: mix the channels (diarization path)")
    parser.add_argument("--whole", action="store_true", help="decode and analyse the call whole (no pieces), for comparison")
    args = parser.parse_args()
    rows = []
    for minutes in ([args.compare] if args.compare else []) + [args.minutes]:
        path = make_call(minutes, args.kind)
        t = time.perf_counter()
        r = run(path, args.model, args.threads, args.layout, args.whole)
        r |= {"file": path.name, "layout": args.layout, "whole": args.whole, "wall_s": round(time.perf_counter() - t, 1)}
        rows.append(r)
        print(json.dumps(r), flush=True)
    for r in rows:
        print(f"{r['file']:32} {r['duration_s'] / 60:6.1f} min  {r['status']:6}  {r['pieces']:3d} piece(s)  "
              f"pipeline {r['seconds']:7.1f} s, CPU {r['cpu_s']:7.1f} s "
              f"(RTF {r['seconds'] / max(r['duration_s'], 1e-9):.3f})  peak RSS {r['peak_rss_mib']:7.0f} MiB "
              f"(model loaded: {r['rss_after_model_mib']:.0f} MiB)")


if __name__ == "__main__":
    main()
