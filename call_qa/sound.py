"""Non-speech sound on the line: hold music, tones, ringback.

The foundation marks frames that are clearly louder than the call's noise floor
while no party is speaking; a hold over such frames is a music/tone hold, over
quiet frames a silence hold. (Telling music from tones and ringback by their
spectra is the timing issue's work.)
"""

from __future__ import annotations

import numpy as np

from call_qa.audio import CallAudio
from call_qa.diarization import FRAME_S, mask_to_spans, spans_to_mask, frame_energy_db
from call_qa.domain import SpeakerActivity, Span

# Sound this far above the quietest 10 % of frames is not silence.
ABOVE_FLOOR_DB = 20.0


def non_speech_sound(audio: CallAudio, activity: SpeakerActivity) -> tuple[Span, ...]:
    """Spans of at least 1 s with sound but no speaker active."""
    energy = frame_energy_db(audio.mix, audio.sample_rate)
    floor = float(np.percentile(energy, 10))
    speech = spans_to_mask(tuple(s for spans in activity.speakers.values() for s in spans), len(energy))
    loud = (energy > floor + ABOVE_FLOOR_DB) & ~speech
    return mask_to_spans(loud, min_len_s=1.0, join_gap_s=0.5)
