"""The listening stages, shared by a whole recording (``pipeline.listen``) and a long
one heard piece by piece (``long_call.listen_in_pieces``):

    CallAudio ─► speaker activity ─► transcript (Whisper) ─► line sounds   (hear)
    the whole call's activity + words ─► second voices on a stereo leg     (second_voices)

Each stage function is called here and nowhere else, so the two ways of listening
cannot drift apart; what is concluded from it is ``call_qa.compose``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Sequence

from call_qa.asr import AsrOptions, transcribe
from call_qa.audio import CallAudio
from call_qa.config import PipelineSettings
from call_qa.diarization import speaker_activity
from call_qa.domain import SoundSegment, SpeakerActivity, Transcript, Utterance, VoiceSplit
from call_qa.models import load_whisper
from call_qa.sound import classify_sound
from call_qa.voice_change import VoiceChangeOptions, split_second_voices


def asr_options(settings: PipelineSettings, language: str) -> AsrOptions:
    """The ASR options for ``language``, from ``settings.asr`` only (one definition)."""
    return AsrOptions.from_settings(settings.asr, language)


def whisper_for(settings: PipelineSettings) -> tuple[AsrOptions, Any]:
    """The ASR options for the configured language and the (cached) Whisper model."""
    language = settings.language
    asr = asr_options(settings, "default" if language == "auto" else language)
    model = load_whisper(asr.model, asr.device, asr.compute_type, settings.asr.cpu_threads)
    return replace(asr, language=language), model


@dataclass(frozen=True)
class HeardPiece:
    """Who spoke when in one stretch of audio, their words, and the line's sounds."""

    activity: SpeakerActivity
    transcript: Transcript
    sounds: tuple[SoundSegment, ...]


def hear(audio: CallAudio, settings: PipelineSettings, asr: AsrOptions, model: Any) -> HeardPiece:
    """Speaker activity, transcript and line sounds of ``audio`` (a call or a piece)."""
    activity = speaker_activity(audio, settings.vad, settings.diarization)
    transcript = transcribe(audio, activity, model, asr)
    return HeardPiece(activity, transcript, tuple(classify_sound(audio, activity, settings.sound)))


def second_voices(
    audio: CallAudio, activity: SpeakerActivity, utterances: Sequence[Utterance], settings: PipelineSettings
) -> tuple[SpeakerActivity, tuple[Utterance, ...], tuple[VoiceSplit, ...]]:
    """Stereo: a party bridged onto a channel after a transfer gets its own label
    (role other), with its speech and words moved to it; mono calls pass unchanged."""
    return split_second_voices(audio, activity, utterances, VoiceChangeOptions(**settings.voice_change.model_dump()))
