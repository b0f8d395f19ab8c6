"""Calibrate and check the second-voice detector on stereo calls (call_qa/voice_change.py).

For every stereo recording with truth in the given folders, runs voice activity and the
detector per channel and compares with the truth: a channel has a second voice when the
truth has a ``ch<n>b`` speaker. Prints, per channel, the detector's decision and the
evidence (cosine of each speech region after the chosen break to the leg's own voice),
then the lowest same-voice and highest other-voice cosine over all calls — the margin
the ``max_similarity`` threshold sits in.

    .venv/bin/python benchmarks/voice_change.py corpus sample_audio
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from call_qa import audio as audio_mod
from call_qa.config import PipelineSettings
from call_qa.diarization import speaker_activity
from call_qa.voice_change import VoiceChangeOptions, _embed, _unit, channel_voice, find_second_voice


def truth_regions(truth: dict, label: str) -> list[tuple[float, float, str]]:
    """(start, end, truth label) of the truth utterances on one channel."""
    return [(u["start"], u["end"], u["speaker"]) for u in truth["utterances"] if u["speaker"].startswith(label)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="+", type=Path)
    args = parser.parse_args(argv)
    settings = PipelineSettings()
    options = VoiceChangeOptions(**settings.voice_change.model_dump())
    same, other, wrong = [], [], 0
    for folder in args.folders:
        for truth_path in sorted(folder.glob("*.truth.json")):
            truth = json.loads(truth_path.read_text())
            if truth["layout"] != "stereo":
                continue
            audio_path = next(p for p in truth_path.parent.glob(truth_path.name.replace(".truth.json", ".*"))
                              if p.suffix in audio_mod.AUDIO_SUFFIXES)
            call = audio_mod.decode(audio_path)
            activity = speaker_activity(call, settings.vad, settings.diarization)
            voices = [channel_voice(ch, call.sample_rate, activity.speakers.get(f"ch{i}", ()), options)
                      for i, ch in enumerate(call.channels)]
            for i, samples in enumerate(call.channels):
                label = f"ch{i}"
                spans = activity.speakers.get(label, ())
                has_second = any(s["label"] == f"{label}b" for s in truth["speakers"])
                split = find_second_voice(samples, call.sample_rate, label, spans, options, voices[1 - i],
                                          activity.speakers.get(f"ch{1 - i}", ()))
                ok = (split is not None) == has_second
                wrong += not ok
                # evidence: cosine to the voice before the truth's change (or the call's first half)
                regions = [s for s in spans if s.duration >= options.min_region_s]
                if len(regions) < 2:
                    continue
                x = _embed(samples, call.sample_rate, regions)
                truth_utts = truth_regions(truth, label)
                change = min((a for a, _, lab in truth_utts if lab.endswith("b")), default=None)
                cut = change if change is not None else truth["duration_s"] / 2
                before = np.array([r.end <= cut for r in regions])
                if not before.any():
                    continue
                own = _unit(np.average(x[before], axis=0, weights=[r.duration for r in np.array(regions)[before]]))
                for r, e in zip(regions, x):
                    if r.end <= cut:
                        continue
                    # who the truth says speaks there (largest overlap)
                    lab = max(truth_utts, key=lambda t: min(t[1], r.end) - max(t[0], r.start), default=(0, 0, label))[2]
                    (other if lab.endswith("b") else same).append(float(e @ own))
                found = "-" if split is None else f"second voice from {split.change_at:.1f} s ({sum(s.duration for s in split.spans):.1f} s)"
                print(f"{audio_path.name:32} {label}  truth: {'second voice' if has_second else 'one voice':12} found: {found:34} {'ok' if ok else 'WRONG'}")
    print(f"\nchannels decided wrongly: {wrong}")
    if same:
        print(f"same voice after the cut: lowest cosine {min(same):.3f} (n={len(same)})")
    if other:
        print(f"new voice after the cut: highest cosine {max(other):.3f} (n={len(other)})")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
