"""One recording through every stage, in one direction:

    decode ─► speaker activity ─► transcript ─► roles ─► timing ─► scorecard ─► CallResult

``process_recording`` never raises for a bad recording: the call comes back with
``status = failed`` and the reason, so a batch goes on.
"""

from __future__ import annotations

import functools
import logging
import re
import traceback
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from call_qa import audio as audio_mod
from call_qa.asr import AsrOptions, transcribe
from call_qa.config import PipelineSettings
from call_qa.diarization import speaker_activity
from call_qa.domain import (
    CallResult, CallStatus, Event, Layout, Role, SoundSegment, SpeakerActivity, SpeakerInfo, Utterance, total_duration,
)
from call_qa.errors import CallQAError
from call_qa.metadata import read_call_metadata
from call_qa.models import load_whisper
from call_qa.pii import protect_result
from call_qa.roles import apply_roles, assign_roles, load_role_cues
from call_qa.rubric import RubricOptions, options_from_mapping, score_phone_call
from call_qa.sound import classify_sound
from call_qa.rubric.setup import lexicon_for, phone_rubric, timing_cues
from call_qa.timing import analyse_timing
from call_qa.voice_change import VoiceChangeOptions, VoiceSplit, split_second_voices, with_bridged_voices

logger = logging.getLogger("call_qa")

_DATE_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def call_id_for(path: str | Path) -> str:
    """``recordings/2026-11-27/0001.wav`` → ``2026-11-27_0001``; elsewhere the file stem."""
    p = Path(path)
    return f"{p.parent.name}_{p.stem}" if _DATE_DIR.match(p.parent.name) else p.stem


# Role cues are read once per worker process (rubric and cue files: rubric/setup.py).
_cached_role_cues = functools.lru_cache(maxsize=8)(load_role_cues)


def rubric_options(settings: PipelineSettings) -> RubricOptions:
    """The rubric's tunable parameters from ``rubric.options`` in the pipeline YAML."""
    return options_from_mapping(settings.rubric.options, source="configs/pipeline.yaml: rubric.options")


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


def recorded_settings(settings: PipelineSettings, **extra: object) -> dict:
    """What goes into the per-call JSON's ``settings``: enough to trace every number."""
    return {
        "asr_model": extra.pop("asr_model", None),
        "diarization": extra.pop("diarization", None),
        "thresholds": settings.timing.as_dict(),
        "settings_hash": settings.settings_hash(),
        **extra,
    }


def asr_options(settings: PipelineSettings, language: str) -> AsrOptions:
    """The ASR options for ``language``, from ``settings.asr`` only (one definition)."""
    return AsrOptions.from_settings(settings.asr, language)


def process_recording(
    path: str | Path, settings: PipelineSettings, call_id: str | None = None, given: tuple[Event, ...] | None = None
) -> CallResult:
    """Run every stage on one recording; a failure becomes a failed ``CallResult``.
    ``given``: holds/transfers from a manifest; None reads the recording's sidecar."""
    path = Path(path)
    call_id = call_id or call_id_for(path)
    content_hash = ""
    try:
        content_hash = audio_mod.file_hash(path) if path.is_file() else ""
        if given is None:
            given = read_call_metadata(path)
        if audio_mod.probe_duration(path) > settings.long_calls.pieces_after_s:
            from call_qa.long_call import listen_in_pieces  # memory bounded by a piece

            return conclude(listen_in_pieces(path, settings, content_hash), settings, call_id, given)
        call_audio = audio_mod.decode(path, layout=settings.layout, content_hash=content_hash)
        return analyse_call(call_audio, settings, call_id, given)
    except CallQAError as exc:
        logger.warning("%s failed: %s", call_id, exc)
        return failed_result(path, call_id, settings, str(exc), content_hash)
    except Exception as exc:  # a bug must not stop the night's batch; the trace goes to the log
        logger.error("%s failed unexpectedly:\n%s", call_id, traceback.format_exc())
        return failed_result(path, call_id, settings, f"internal error ({type(exc).__name__}: {exc}); see the log", content_hash)


@dataclass(frozen=True)
class Heard:
    """What the listening stages made of a call, before roles: who spoke when, the
    words by speaker label, the line's sounds where nobody spoke."""

    source: str
    content_hash: str
    duration: float
    layout: Layout
    original_channels: int
    activity: SpeakerActivity
    utterances: tuple[Utterance, ...]  # speaker labels, role OTHER
    second_voices: tuple[VoiceSplit, ...]
    sounds: tuple[SoundSegment, ...]
    language: str
    language_probability: float
    asr_model: str
    asr: Mapping[str, object]
    extra: Mapping[str, object] = field(default_factory=dict)  # recorded in the call's settings


def whisper_for(settings: PipelineSettings) -> tuple[AsrOptions, object]:
    """The ASR options for the configured language and the (cached) Whisper model."""
    language = settings.language
    asr = asr_options(settings, "default" if language == "auto" else language)
    model = load_whisper(asr.model, asr.device, asr.compute_type, settings.asr.cpu_threads)
    return replace(asr, language=language), model


def listen(call_audio: audio_mod.CallAudio, settings: PipelineSettings) -> Heard:
    """Activity, transcript, second voices and sounds of an in-memory call."""
    activity = speaker_activity(call_audio, settings.vad, settings.diarization)
    asr, model = whisper_for(settings)
    transcript = transcribe(call_audio, activity, model, asr)
    # stereo: a party bridged onto a channel after a transfer gets its own label (role other)
    activity, words_by_speaker, second_voices = split_second_voices(
        call_audio, activity, transcript.utterances, VoiceChangeOptions(**settings.voice_change.model_dump())
    )
    return Heard(
        source=call_audio.source,
        content_hash=call_audio.content_hash,
        duration=call_audio.duration,
        layout=call_audio.layout,
        original_channels=call_audio.original_channels,
        activity=activity,
        utterances=words_by_speaker,
        second_voices=second_voices,
        sounds=classify_sound(call_audio, activity),
        language=transcript.language,
        language_probability=transcript.language_probability,
        asr_model=asr.model,
        asr=dict(transcript.options),
    )


def analyse_call(
    call_audio: audio_mod.CallAudio, settings: PipelineSettings, call_id: str, given: tuple[Event, ...] = ()
) -> CallResult:
    """The stages after decoding, on an in-memory call. ``given``: holds/transfers from
    telephony metadata, which replace detection for their type."""
    return conclude(listen(call_audio, settings), settings, call_id, given)


def conclude(heard: Heard, settings: PipelineSettings, call_id: str, given: tuple[Event, ...] = ()) -> CallResult:
    """Roles, timing, the scorecard and personal-data protection, from what was heard."""
    language, activity, second_voices = heard.language, heard.activity, heard.second_voices
    role_cues = _cached_role_cues(settings.resolve_path(settings.rubric.cues_dir) / "roles.yaml", language)
    bridged = {v.new_label: v for v in second_voices}
    assignment = assign_roles(
        heard.utterances,
        tuple(label for label in activity.labels if label not in bridged),
        role_cues,
        settings.roles.channel_map,
        first_speaker=activity.first_speaker,
    )
    assignment = with_bridged_voices(assignment, second_voices)
    utterances: tuple[Utterance, ...] = apply_roles(heard.utterances, assignment)

    lexicon = lexicon_for(settings, language)
    timing = analyse_timing(
        activity,
        assignment.roles,
        utterances,
        heard.duration,
        settings.timing,
        timing_cues(lexicon),
        sounds=heard.sounds,
        given=given,
    )
    rubric = phone_rubric(settings)
    options = rubric_options(settings)
    from call_qa.rubric.resources import rubric_resources  # knowledge base, procedures, sentence encoder

    resources = rubric_resources(settings, language)
    scorecard = score_phone_call(utterances, timing, language, rubric, lexicon, options,
                                 matchers=resources.matchers(lexicon), judges=resources.judges())

    speakers = tuple(
        SpeakerInfo(
            label=label,
            role=assignment.roles.get(label, Role.OTHER),
            role_confidence=assignment.confidence.get(label, 0.0),
            talk_s=round(total_duration(activity.speakers[label]), 3),
        )
        for label in activity.labels
    )
    # Personal data: found on the full transcript the rubric scored, then redacted from
    # everything that is stored or exported (docs/personal-data.md).
    return protect_result(CallResult(
        call_id=call_id,
        source=heard.source,
        content_hash=heard.content_hash,
        settings_hash=settings.settings_hash(),
        status=CallStatus.OK,
        duration_s=round(heard.duration, 3),
        channels=heard.original_channels,
        layout=heard.layout,
        language=language,
        settings=recorded_settings(
            settings,
            asr_model=heard.asr_model,
            diarization=activity.method,
            roles=assignment.method,
            second_voices=[{"channel": v.label, "label": v.new_label, "from_s": v.change_at, "separation": v.separation}
                           for v in second_voices],
            language_probability=heard.language_probability,
            asr=dict(heard.asr),
            rubric_options=asdict(options),
            rubric={"id": rubric.id, "version": rubric.version, "source": rubric.source},
            **resources.describe(),
            **heard.extra,
        ),
        speakers=speakers,
        turns=timing.turns,
        utterances=utterances,
        events=timing.events,
        metrics=timing.metrics,
        scorecard=scorecard,
    ), settings.privacy, rubric, lexicon, options)
