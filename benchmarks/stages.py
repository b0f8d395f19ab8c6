"""Real-time factor per stage and in total, per model, on the corpus; and the whole
pipeline against plain faster-whisper transcription of the same files with the same
model, in the same run.

    .venv/bin/python benchmarks/stages.py [FILES...] [--models bundled:whisper-base bundled:tiny.en]
        [--threads 2] [--limit N] [--json FILE]

Default files: corpus/*.flac (24 calls); English-only models only get the en_* calls.
The pipeline is the real ``process_recording``; each stage's time is measured by
wrapping the stage functions where the pipeline calls them (nothing else changes).
"Plain" is ``WhisperModel.transcribe`` on the decoded mono mix (16 kHz), the call's
language, faster-whisper's defaults with ``vad_filter=True``, segments consumed — what a
site would run without call-qa. The pipeline transcribes the speech regions of each
stereo channel (mono: of the mix), batched (call_qa/asr.py). The machine may be shared
with other work: the ratios, measured side by side in one process, are the figures.
"""

from __future__ import annotations

import argparse
import functools
import json
import resource
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from call_qa.models import disable_telemetry  # noqa: E402

STAGES = {  # name in call_qa.listen or call_qa.compose → stage label
    "speaker_activity": "activity",
    "transcribe": "asr",
    "assign_roles": "roles",
    "classify_sound": "sound",
    "analyse_timing": "timing",
    "score_phone_call": "rubric",
    "split_second_voices": "voices",
    "find_personal_data": "privacy",
    "redact_result": "privacy",
}
OPTIONAL = {"call_qa.rubric.resources": ("rubric_resources", "rubric_resources")}  # imported at call time


def instrument(times: dict[str, float]) -> None:
    """Wrap the stage functions the pipeline calls so each call adds its seconds."""
    from call_qa import audio, compose, listen

    def timed(label, fn):
        @functools.wraps(fn)
        def wrapper(*a, **k):
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                times[label] += time.perf_counter() - t

        return wrapper

    for name, label in STAGES.items():
        for module in (listen, compose):  # listening, then the composition after it
            if hasattr(module, name):
                setattr(module, name, timed(label, getattr(module, name)))
    for module_name, (name, label) in OPTIONAL.items():
        try:
            module = __import__(module_name, fromlist=[name])
            setattr(module, name, timed(label, getattr(module, name)))
        except (ImportError, AttributeError):
            pass
    audio.decode = timed("decode", audio.decode)


def language_of(path: Path) -> str:
    truth = path.with_name(path.name.split(".")[0] + ".truth.json")
    return json.loads(truth.read_text())["language"] if truth.exists() else "en"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--models", nargs="+", default=["bundled:whisper-base", "bundled:tiny.en"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--limit", type=int, default=None, help="first N files (per model)")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    disable_telemetry()

    from call_qa import audio as audio_mod
    from call_qa.config import load_settings
    from call_qa.models import load_whisper
    from call_qa.pipeline import process_recording

    paths = args.paths or sorted((ROOT / "corpus").glob("*.flac"))
    times: dict[str, float] = defaultdict(float)
    instrument(times)
    report = []
    for model_name in args.models:
        english_only = model_name.endswith(".en")
        files = [p for p in paths if not english_only or language_of(p) == "en"][: args.limit]
        base = load_settings()
        settings = base.model_copy(update={"asr": base.asr.model_copy(update={"models": {"default": model_name}, "cpu_threads": args.threads})})
        model = load_whisper(model_name, settings.asr.device, settings.asr.compute_type, args.threads)
        if files:  # one-time loading (cue files, encoders) stays out of the figures
            process_recording(files[0], settings.with_overrides(language=language_of(files[0])))
        rows = []
        for path in files:
            language = language_of(path)
            s = settings.with_overrides(language=language)
            times.clear()
            start = time.perf_counter()
            result = process_recording(path, s)
            total = time.perf_counter() - start
            stage = {k: round(times.get(k, 0.0), 3) for k in ("decode", *STAGES.values(), "rubric_resources")}
            stage["other"] = round(total - sum(stage.values()), 3)
            mix = audio_mod.decode(path, layout="mono").channels[0]
            t = time.perf_counter()
            segments, _ = model.transcribe(mix, language=language, vad_filter=True)
            plain_words = sum(len(seg.text.split()) for seg in segments)
            plain = time.perf_counter() - t
            rows.append({
                "file": path.name, "language": language, "layout": result.layout.value if result.layout else None,
                "status": result.status.value, "audio_s": result.duration_s, "stages_s": stage,
                "pipeline_s": round(total, 3), "plain_whisper_s": round(plain, 3), "plain_words": plain_words,
                "decoded": result.settings.get("asr", {}).get("decoded"),
            })
            print(f"{model_name:22} {path.name:30} {result.layout.value if result.layout else '-':6} {result.duration_s:6.1f} s audio: "
                  + " ".join(f"{k} {v:.2f}" for k, v in stage.items())
                  + f" | pipeline {total:.2f} s, plain {plain:.2f} s", flush=True)
        report.append({"model": model_name, "threads": args.threads, "calls": rows})
        summarise(model_name, rows)
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


def summarise(model_name: str, rows: list[dict]) -> None:
    if not rows:
        return
    audio = sum(r["audio_s"] for r in rows)
    stage_totals = defaultdict(float)
    for r in rows:
        for k, v in r["stages_s"].items():
            stage_totals[k] += v
    pipeline = sum(r["pipeline_s"] for r in rows)
    plain = sum(r["plain_whisper_s"] for r in rows)
    asr = stage_totals["asr"]
    # everything besides transcription; mono diarization ("activity" on mono calls) is listed apart
    mono_activity = sum(r["stages_s"]["activity"] for r in rows if r["layout"] == "mono")
    other = pipeline - asr - mono_activity
    print(f"\n== {model_name}: {len(rows)} calls, {audio / 60:.1f} min of audio")
    print("stage      seconds   RTF")
    for k, v in stage_totals.items():
        print(f"{k:9} {v:8.2f} {v / audio:7.4f}")
    print(f"{'pipeline':9} {pipeline:8.2f} {pipeline / audio:7.4f}")
    print(f"{'plain':9} {plain:8.2f} {plain / audio:7.4f}   (faster-whisper on the mono mix, same model, vad_filter=True)")
    print(f"pipeline / plain {pipeline / plain:.2f}, transcription / plain {asr / plain:.2f}")
    print(f"besides transcription and mono diarization: {other:.2f} s = {100 * other / asr:.1f} % of transcription time")
    for k, v in stage_totals.items():
        if k != "asr":
            print(f"  {k:9} {100 * v / asr:6.1f} % of transcription time")
    for layout in ("stereo", "mono"):
        sel = [r for r in rows if r["layout"] == layout]
        if sel:
            a = sum(r["stages_s"]["asr"] for r in sel)
            p = sum(r["plain_whisper_s"] for r in sel)
            print(f"{layout}: pipeline transcription {a:.2f} s vs plain {p:.2f} s (ratio {a / p:.2f}) on {len(sel)} calls")
    print()


if __name__ == "__main__":
    main()
