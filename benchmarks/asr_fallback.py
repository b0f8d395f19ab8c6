"""What Whisper's temperature fallback costs: transcription CPU time and WER of the
shipped ASR settings against the same settings with ``temperature: [0.0]``.

    .venv/bin/python benchmarks/asr_fallback.py [NAMES...]      # corpus call names

For each corpus call the pipeline's own stages run (decode, speaker activity, then
``asr.transcribe`` with the call's language and model, 2 threads); CPU seconds are the
process's, WER is against the call's reference text (``call_qa.evaluation``). When a
30 s window's decode looks wrong (log-probability below ``log_prob_threshold`` or too
repetitive), the fallback decodes it again by sampling at the next temperature, up to
five more times, so on audio Whisper finds hard the cost multiplies.
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
from call_qa.pipeline import asr_options  # noqa: E402

DEFAULT = ["id_no_probing", "id_transfer_stereo_warm", "id_model_call", "id_hold_music", "id_angry_empathy",
           "en_no_confirmation", "en_angry_no_empathy"]
VARIANTS = {"shipped": {}, "temperature [0.0]": {"temperature": (0.0,)}}


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
            hypothesis = normalise_words(" ".join(u.text for u in transcript.utterances))
            row = {"call": name, "layout": call.layout.value, "variant": variant,
                   "cpu_s": round(time.process_time() - cpu, 1), "wall_s": round(time.perf_counter() - wall, 1),
                   "wer": round(word_errors(reference, hypothesis) / max(1, len(reference)), 3)}
            rows.append(row)
            print(json.dumps(row), flush=True)
    print(f"\n{'call':26} {'layout':7} {'variant':18} {'CPU s':>7} {'WER':>6}")
    for r in rows:
        print(f"{r['call']:26} {r['layout']:7} {r['variant']:18} {r['cpu_s']:7.1f} {r['wer']:6.3f}")


if __name__ == "__main__":
    main()
