"""Hallucination guard on hold music and hold silence: transcript words inside holds.

    .venv/bin/python benchmarks/hold_words.py [--margin 0.5]

For every corpus call whose truth has a hold event (corpus/*.truth.json), runs speaker
activity and transcription with the settings of configs/pipeline.yaml (the call's own
language, as `call-qa eval` does) and counts the words whose middle lies inside a hold,
more than ``--margin`` seconds from its edges. The figure in docs/evaluation.md comes
from this script; tests/test_asr.py checks the music-hold call.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def words_in_holds(path: Path, holds: list[tuple[float, float]], language: str, margin: float) -> tuple[int, int, list[str]]:
    """(words inside holds, all words, the offending words with their times)."""
    from call_qa import audio as audio_mod
    from call_qa.asr import transcribe
    from call_qa.config import load_settings
    from call_qa.diarization import speaker_activity
    from call_qa.models import load_whisper
    from call_qa.listen import asr_options

    settings = load_settings()
    call = audio_mod.decode(path)
    activity = speaker_activity(call, settings.vad, settings.diarization)
    options = asr_options(settings, language)
    model = load_whisper(options.model, settings.asr.device, settings.asr.compute_type, settings.asr.cpu_threads)
    transcript = transcribe(call, activity, model, replace(options, language=language))
    words = [w for u in transcript.utterances for w in u.words]
    inside = [w for w in words for a, b in holds if a + margin <= (w.start + w.end) / 2 <= b - margin]
    return len(inside), len(words), [f"{w.text}@{w.start:.1f}" for w in inside]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--margin", type=float, default=0.5)
    args = parser.parse_args()
    os.environ.setdefault("NUMBA_CACHE_DIR", str(ROOT / "var" / "numba"))
    from call_qa.models import disable_telemetry

    disable_telemetry()
    total_inside = total_hold = 0.0
    for truth_file in sorted((ROOT / "corpus").glob("*.truth.json")):
        truth = json.loads(truth_file.read_text(encoding="utf-8"))
        holds = [(e["start"], e["end"]) for e in truth.get("events", []) if e["type"] == "hold"]
        if not holds:
            continue
        stem = truth_file.name[: -len(".truth.json")]
        t0 = time.perf_counter()
        n_in, n_all, which = words_in_holds(truth_file.with_name(stem + ".flac"), holds, truth["language"], args.margin)
        hold_s = sum(b - a for a, b in holds)
        total_inside += n_in
        total_hold += hold_s
        kinds = ",".join(str(e.get("kind", "?")) for e in truth["events"] if e["type"] == "hold")
        print(f"{stem:26} {truth['layout']:6} hold {hold_s:5.1f} s ({kinds})  words inside {n_in} of {n_all}  "
              f"{' '.join(which)}  [{time.perf_counter() - t0:.0f} s]", flush=True)
    print(f"total: {int(total_inside)} words inside {total_hold:.1f} s of holds")


if __name__ == "__main__":
    main()
