"""Mono diarization with a pyannote.audio pipeline that the site configures.

No pretrained pyannote weights can be installed from a package, so this path runs only
where ``diarization.pyannote_pipeline`` names a local folder holding ``config.yaml``
(the usual layout of ``pyannote/speaker-diarization-community-1`` copied on site), a
``config.yaml`` file, or a hub id (with a hub reachable, ``CALL_QA_HUB=1`` and the
token in the environment variable ``diarization.pyannote_token_env``). The pipeline is
loaded once per process (``call_qa.models.load_pyannote_pipeline``); the call's audio is
passed in memory, never re-read from disk:

    mix (float32, 16 kHz) ─► {"waveform": (1, n) tensor, "sample_rate": 16000}
        ─► pipeline(..., num_speakers | min_speakers/max_speakers)
        ─► Annotation (overlap kept) ─► SpeakerActivity(method="pyannote")
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from call_qa.audio import CallAudio
from call_qa.config import DiarizationSettings
from call_qa.domain import Layout, SpeakerActivity, Span, merge_spans

logger = logging.getLogger("call_qa")


def speaker_counts(options: DiarizationSettings) -> dict[str, int]:
    """``num_speakers`` when the count is fixed, else ``min_speakers``/``max_speakers``.

    ``num_speakers: 2, max_speakers: 3`` (the default) → ``{min_speakers: 2, max_speakers: 3}``;
    ``num_speakers: 2, max_speakers: 2`` → ``{num_speakers: 2}``.
    """
    if options.max_speakers <= options.num_speakers:
        return {"num_speakers": options.num_speakers}
    return {"min_speakers": options.num_speakers, "max_speakers": options.max_speakers}


def annotation_to_activity(annotation: Any, duration: float | None = None, min_len_s: float = 0.0) -> SpeakerActivity:
    """A ``pyannote.core.Annotation`` → ``SpeakerActivity``; labels become ``spk0``,
    ``spk1``… in order of first speech, overlapping speech stays on both speakers, and
    turns are clipped to the recording (pyannote pads its last window)."""
    per_label: dict[str, list[Span]] = {}
    end_of_call = float("inf") if duration is None else duration
    for segment, _track, label in annotation.itertracks(yield_label=True):
        span = Span(round(max(0.0, float(segment.start)), 3), round(min(float(segment.end), end_of_call), 3))
        if span:
            per_label.setdefault(str(label), []).append(span)
    merged = {label: tuple(s for s in merge_spans(spans) if s.duration >= min_len_s) for label, spans in per_label.items()}
    order = sorted((spans[0].start, label) for label, spans in merged.items() if spans)
    speakers = {f"spk{rank}": merged[label] for rank, (_, label) in enumerate(order)}
    return SpeakerActivity(layout=Layout.MONO, speakers=speakers, method="pyannote")


def pyannote_activity(audio: CallAudio, pipeline: Any, options: DiarizationSettings) -> SpeakerActivity:
    """Run a loaded pyannote ``Pipeline`` on the call's mixed channel, in memory."""
    import torch

    waveform = torch.from_numpy(np.ascontiguousarray(audio.mix, dtype=np.float32)).unsqueeze(0)
    output = pipeline({"waveform": waveform, "sample_rate": audio.sample_rate}, **speaker_counts(options))
    # pyannote.audio 4 returns DiarizeOutput (.speaker_diarization); 3.x and legacy mode an Annotation.
    annotation = getattr(output, "speaker_diarization", output)
    return annotation_to_activity(annotation, duration=audio.duration)
