"""One recording through every stage, in one direction:

    decode ─► speaker activity ─► transcript ─► second voices, line sounds ─► Heard
              (call_qa.listen: the same stages a long call runs piece by piece)
          ─► call_qa.compose.conclude (roles, timing, personal data, scorecard, redaction)

``process_recording`` never raises for a bad recording: the call comes back with
``status = failed`` and the reason, so a batch goes on.
"""

from __future__ import annotations

import logging
import traceback
from dataclasses import replace
from pathlib import Path

from call_qa import audio as audio_mod
from call_qa.config import PipelineSettings
from call_qa.compose import conclude, recorded_settings
from call_qa.domain import CallResult, CallStatus, Event, Heard
from call_qa.errors import CallQAError
from call_qa.files import file_hash
from call_qa.metadata import read_call_metadata
from call_qa.listen import hear, second_voices, whisper_for

logger = logging.getLogger("call_qa")


def call_id_for(path: str | Path) -> str:
    """``recordings/2026-11-27/0001.wav`` → ``2026-11-27_0001``, ``…/2026-11-27/queue-a/call1.wav``
    → ``2026-11-27_queue-a_call1``; elsewhere the file stem (call_qa/identity.py; the
    batch passes its input root and the redaction settings)."""
    from call_qa.identity import call_id_for as identity_of

    return identity_of(path)


def failed_result(path: Path, call_id: str, settings: PipelineSettings, reason: str, content_hash: str = "") -> CallResult:
    return CallResult(
        call_id=call_id,
        source=str(path),
        content_hash=content_hash,
        settings_hash=settings.settings_hash(),
        status=CallStatus.FAILED,
        settings=recorded_settings(settings),
        errors=(reason,),
    )


def process_recording(
    path: str | Path, settings: PipelineSettings, call_id: str | None = None, given: tuple[Event, ...] | None = None
) -> CallResult:
    """Run every stage on one recording; a failure becomes a failed ``CallResult``.
    ``given``: holds/transfers from a manifest; None reads the recording's sidecar."""
    path = Path(path)
    call_id = call_id or call_id_for(path)
    content_hash = ""
    try:
        content_hash = file_hash(path) if path.is_file() else ""
        if given is None:
            given = read_call_metadata(path)
        if audio_mod.probe_duration(path) > settings.long_calls.pieces_after_s:
            from call_qa.long_call import listen_in_pieces  # memory bounded by a piece

            return conclude(replace(listen_in_pieces(path, settings, content_hash), given=given), settings, call_id)
        call_audio = audio_mod.decode(
            path, layout=settings.layout, content_hash=content_hash,
            accept_truncated=settings.audio.on_truncated == "flag", tolerance_s=settings.audio.truncation_tolerance_s,
        )
        return analyse_call(call_audio, settings, call_id, given)
    except CallQAError as exc:
        logger.warning("%s failed: %s", call_id, exc)
        return failed_result(path, call_id, settings, str(exc), content_hash)
    except Exception as exc:  # a bug must not stop the night's batch; the trace goes to the log
        logger.error("%s failed unexpectedly:\n%s", call_id, traceback.format_exc())
        return failed_result(path, call_id, settings, f"internal error ({type(exc).__name__}: {exc}); see the log", content_hash)


def listen(call_audio: audio_mod.CallAudio, settings: PipelineSettings) -> Heard:
    """Activity, transcript, second voices and sounds of an in-memory call."""
    asr, model = whisper_for(settings)
    piece = hear(call_audio, settings, asr, model)
    activity, words_by_speaker, voices = second_voices(call_audio, piece.activity, piece.transcript.utterances, settings)
    return Heard(
        source=call_audio.source,
        content_hash=call_audio.content_hash,
        duration=call_audio.duration,
        layout=call_audio.layout,
        original_channels=call_audio.original_channels,
        activity=activity,
        utterances=words_by_speaker,
        second_voices=voices,
        sounds=piece.sounds,
        language=piece.transcript.language,
        language_probability=piece.transcript.language_probability,
        asr_model=asr.model,
        asr=dict(piece.transcript.options),
    )


def analyse_call(
    call_audio: audio_mod.CallAudio, settings: PipelineSettings, call_id: str, given: tuple[Event, ...] = ()
) -> CallResult:
    """The stages after decoding, on an in-memory call. ``given``: holds/transfers from
    telephony metadata, which replace detection for their type."""
    return conclude(replace(listen(call_audio, settings), given=tuple(given)), settings, call_id)
