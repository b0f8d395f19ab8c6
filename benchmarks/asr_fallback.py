"""What the re-decoding of failed windows costs and buys: transcription CPU time, how
often it fires and WER, for the shipped ASR settings (at most ``asr.max_redecodes``
windows re-decoded per call), decoding once (``max_redecodes: 0``) and re-decoding
every failed window.

    .venv/bin/python benchmarks/asr_fallback.py [NAMES...]      # corpus call names

For each corpus call the pipeline's own stages run (decode, speaker activity, then
``asr.transcribe`` with the call's language and model, 2 threads); CPU seconds are the
process's, WER is against the call's reference text (``call_qa.evaluation``). A 30 s
window fails when its first decode's mean log-probability is below
``log_prob_threshold`` or its text is too repetitive (``compression_ratio_threshold``);
it is then decoded once more with repeated 3-grams barred and repetition penalised
(deterministic). The shipped variant is run twice: the words must be the same both times.
Per language the WER is pooled (errors / reference words over the calls).
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from call_qa import audio as audio_mod  # noqa: E402
from call_qa.asr import transcribe  # noqa: E402
from call_qa.config import load_settings  # noqa: E402
from call_qa.diarization import speaker_activity  # noqa: E402
from call_qa.evaluation import load_truth, normalise_words, word_errors  # noqa: E402
from call_qa.models import load_whisper  # noqa: E402
from call_qa.listen import asr_options  # noqa: E402

DEFAULT = ["id_no_probing", "id_transfer_stereo_warm", "id_model_call", "id_hold_music", "id_angry_empathy",
           "en_no_confirmation", "en_angry_no_empathy"]
VARIANTS = {"decode once": {"max_redecodes": 0}, "shipped": {}, "every failed window": {"max_redecodes": 10_000}}


def main() -> None:
    settings = load_settings()
    rows = []
    for name in sys.argv[1:] or DEFAULT:
        path = ROOT / "corpus" / f"{name}.flac"
        truth = load_truth(path)
        reference = normalise_words(truth.text or "")
        call = audio_mod.decode(path)
        activity = speaker_activity(call, settings.vad, settings.diarization)
        base = asr_options(settings, truth.language)
        model = load_whisper(base.model, settings.asr.device, settings.asr.compute_type, 2)
        for variant, change in VARIANTS.items():
            cpu, wall = time.process_time(), time.perf_counter()
            transcript = transcribe(call, activity, model, replace(base, **change))
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            again = transcribe(call, activity, model, replace(base, **change)) if variant == "shipped" else transcript
            hypothesis = normalise_words(" ".join(u.text for u in transcript.utterances))
            errors = word_errors(reference, hypothesis)
            row = {"call": name, "language": truth.language, "layout": call.layout.value, "variant": variant,
                   "cpu_s": round(cpu, 1), "wall_s": round(wall, 1), **transcript.options["decoded"],
                   "errors": errors, "reference_words": len(reference),
                   "wer": round(errors / max(1, len(reference)), 3),
                   "same_words_twice": [u.words for u in again.utterances] == [u.words for u in transcript.utterances]}
            rows.append(row)
            print(json.dumps(row), flush=True)
    print(f"\n{'call':26} {'layout':7} {'variant':20} {'CPU s':>7} {'failed':>6} {'redone':>6} {'WER':>6} same twice")
    for r in rows:
        print(f"{r['call']:26} {r['layout']:7} {r['variant']:20} {r['cpu_s']:7.1f} {r['failed']:3}/{r['windows']:<3}"
              f"{r['redecoded']:6} {r['wer']:6.3f} {r['same_words_twice']}")
    print(f"\n{'language':8} {'variant':20} {'CPU s':>7} {'windows':>7} {'failed':>6} {'redone':>6} {'WER':>6}")
    for language in sorted({r["language"] for r in rows}):
        for variant in VARIANTS:
            sel = [r for r in rows if r["language"] == language and r["variant"] == variant]
            wer = sum(r["errors"] for r in sel) / max(1, sum(r["reference_words"] for r in sel))
            print(f"{language:8} {variant:20} {sum(r['cpu_s'] for r in sel):7.1f} {sum(r['windows'] for r in sel):7} "
                  f"{sum(r['failed'] for r in sel):6} {sum(r['redecoded'] for r in sel):6} {wer:6.3f}")


if __name__ == "__main__":
    main()
