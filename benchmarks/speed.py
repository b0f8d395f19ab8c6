"""Speed and memory of the pipeline's stages on the bundled sample calls (CPU).

    .venv/bin/python benchmarks/speed.py [sample_audio/*.flac] [--threads 2]

Prints per call: audio seconds, seconds per stage, real-time factor (processing
seconds / audio seconds), and the process's peak resident memory. The figures in
docs/pipeline.md come from this script.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from call_qa import audio as audio_mod  # noqa: E402
from call_qa.config import load_settings  # noqa: E402
from call_qa.models import disable_telemetry, load_whisper  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="*", default=sorted(str(p) for p in (ROOT / "sample_audio").glob("*.flac")))
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    disable_telemetry()

    from dataclasses import replace

    from call_qa import listen, pipeline
    from call_qa.asr import transcribe
    from call_qa.diarization import speaker_activity

    settings = load_settings()
    settings = settings.model_copy(update={"asr": settings.asr.model_copy(update={"cpu_threads": args.threads})})
    t0 = time.perf_counter()
    load_whisper("bundled:whisper-base", settings.asr.device, settings.asr.compute_type, settings.asr.cpu_threads)
    print(f"model load: {time.perf_counter() - t0:.2f} s")
    rows = []
    for path in args.paths:
        truth_file = Path(path).with_name(Path(path).name.split(".")[0] + ".truth.json")
        language = json.loads(truth_file.read_text())["language"] if truth_file.exists() else settings.language
        s = settings.with_overrides(language=language)
        t = {}
        start = time.perf_counter()
        a = audio_mod.decode(path)
        t["decode"] = time.perf_counter() - start
        mark = time.perf_counter()
        activity = speaker_activity(a, s.vad, s.diarization)
        t["activity"] = time.perf_counter() - mark
        mark = time.perf_counter()
        opts = listen.asr_options(s, language)
        model = load_whisper(opts.model, s.asr.device, s.asr.compute_type, s.asr.cpu_threads)
        transcribe(a, activity, model, replace(opts, language=language))
        t["asr"] = time.perf_counter() - mark
        mark = time.perf_counter()
        pipeline.process_recording(path, s)  # whole pipeline again, for the total
        t["whole pipeline"] = time.perf_counter() - mark
        rows.append((Path(path).name, a.duration, t))
    print(f"{'call':28} {'audio_s':>8} " + " ".join(f"{k:>15}" for k in rows[0][2]) + f" {'RTF':>6}")
    for name, duration, t in rows:
        print(f"{name:28} {duration:8.1f} " + " ".join(f"{v:15.2f}" for v in t.values()) + f" {t['whole pipeline'] / duration:6.3f}")
    total_audio = sum(d for _, d, _ in rows)
    total = sum(t["whole pipeline"] for _, _, t in rows)
    print(f"total: {total_audio:.1f} s of audio in {total:.1f} s (RTF {total / total_audio:.3f}); "
          f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
