"""Recognition alone, by batch size, against plain faster-whisper on the same files in
the same run (the machine may be shared: read the ratios, which are measured side by
side, rather than the seconds).

    .venv/bin/python benchmarks/asr_batch.py [FILES...] [--batch-sizes 1 2 4 8 16] [--threads 2]
        [--language id] [--json FILE]

Corpus calls are short (2-4 windows of speech each); a batch size above the call's
window count changes nothing there, so the sweep is best run on longer calls (e.g.
four corpus calls of one language joined into one 4-minute stereo file).

Per file: decode and speaker activity once (not timed), then plain faster-whisper
(``WhisperModel.transcribe`` with its defaults and ``vad_filter=True`` on the decoded mono
mix, the call's language, segments consumed) and the pipeline's ``asr.transcribe`` (the
shipped ``asr`` settings, words with times) once per batch size, interleaved. Prints
wall and CPU seconds per variant, the ratio to plain, and whether every batch size gave
the same words as batch size 1.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT = ["en_angry_no_empathy", "en_no_confirmation", "id_model_call", "id_no_probing"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--batch-sizes", nargs="+", type=int, default=[1, 2, 4, 8, 16])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--language", default=None, help="for files without a truth file beside them")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    from call_qa import audio as audio_mod
    from call_qa.asr import transcribe
    from call_qa.config import load_settings
    from call_qa.diarization import speaker_activity
    from call_qa.evaluation import load_truth
    from call_qa.models import disable_telemetry, load_whisper
    from call_qa.listen import asr_options

    disable_telemetry()
    settings = load_settings()
    paths = args.paths or [ROOT / "corpus" / f"{n}.flac" for n in DEFAULT]
    wall: dict[str, float] = defaultdict(float)
    cpu: dict[str, float] = defaultdict(float)
    rows, audio_s = [], 0.0
    for path in paths:
        language = args.language or load_truth(path).language
        call = audio_mod.decode(path)
        activity = speaker_activity(call, settings.vad, settings.diarization)
        options = asr_options(settings, language)
        model = load_whisper(options.model, options.device, options.compute_type, args.threads)
        mix = audio_mod.decode(path, layout="mono").channels[0]
        audio_s += call.duration
        row = {"file": path.name, "layout": call.layout.value, "audio_s": round(call.duration, 1)}
        words = {}
        for variant in ["plain", *args.batch_sizes]:
            c, t = time.process_time(), time.perf_counter()
            if variant == "plain":
                segments, _ = model.transcribe(mix, language=language, vad_filter=True)
                list(segments)
            else:
                transcript = transcribe(call, activity, model, replace(options, batch_size=variant))
                words[variant] = [(u.speaker, u.words) for u in transcript.utterances]
                row["decoded"] = transcript.options["decoded"]
            key = str(variant)
            row[key] = round(time.perf_counter() - t, 2)
            wall[key] += time.perf_counter() - t
            cpu[key] += time.process_time() - c
        row["same_words_every_batch_size"] = all(w == words[args.batch_sizes[0]] for w in words.values())
        rows.append(row)
        print(json.dumps(row), flush=True)
    print(f"\n{len(paths)} files, {audio_s / 60:.1f} min of audio, {args.threads} threads")
    print(f"{'variant':>12} {'wall s':>8} {'CPU s':>8} {'wall / plain':>12} {'audio h/h':>10}")
    for key in wall:
        name = "plain" if key == "plain" else f"batch {key}"
        print(f"{name:>12} {wall[key]:8.1f} {cpu[key]:8.1f} {wall[key] / wall['plain']:12.2f} {audio_s / wall[key]:10.1f}")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "wall": wall, "cpu": cpu, "audio_s": audio_s}, indent=2))


if __name__ == "__main__":
    main()
