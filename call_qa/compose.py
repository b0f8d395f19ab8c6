"""Everything after listening, once, for every entry point.

    Heard (audio, long call in pieces, transcript, an officer's swap) ─┐
                 roles ─► timing ─────────────────────────────────────┤
    Written (an email thread) ────────────────────────────────────────┤
                 personal data on the full transcript ─► the rubric's judges ─► scorecard
                 ─► CallResult (full) ─► redaction (last, pure) ─► what is stored and exported

``conclude`` is the only caller of role assignment, the timing stage, personal-data
detection, the rubric and redaction outside their own modules: ``process`` (short and
long recordings), ``score-transcript``, ``score-email`` and the web app's swap all come
through it, so a feature is wired once and two entry points never score the same
call differently.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from call_qa.config import PipelineSettings
from call_qa.domain import (
    CallResult,
    CallStatus,
    Heard,
    PersonalDataFinding,
    PersonalDataType,
    PrivacyFlag,
    Role,
    RoleAssignment,
    Scorecard,
    SpeakerInfo,
    Utterance,
    total_duration,
)
from call_qa.pii import DetectOptions, detect_personal_data, disclosure_flags, redact_result
from call_qa.roles import apply_roles, assign_roles, load_role_cues
from call_qa.rubric import RubricOptions, score_phone_call
from call_qa.rubric.config import CueLexicon, Rubric, RubricConfigError
from call_qa.rubric.email import EmailThread, email_utterances, load_spelling, score_email
from call_qa.rubric.identification import caller_names
from call_qa.rubric.resources import RubricResources, rubric_resources
from call_qa.rubric.setup import email_rubric, lexicon_for, options_for, phone_rubric, timing_cues
from call_qa.timing import analyse_timing
from call_qa.voice_change import with_bridged_voices

logger = logging.getLogger("call_qa")

# Role cues are read once per worker process (rubric and cue files: rubric/setup.py).
_cached_role_cues = functools.lru_cache(maxsize=8)(load_role_cues)


@dataclass(frozen=True)
class Written:
    """An email to score: the thread (the agent's reply and the customer's message it
    quotes), the file's content hash, and the language it is scored in."""

    thread: EmailThread
    content_hash: str
    language: str


@dataclass(frozen=True)
class Scoring:
    """What the rubric needs for one language and channel, read once per process:
    the rubric, the cue lexicon, the options, and the site's knowledge base,
    procedures and sentence encoder."""

    rubric: Rubric
    lexicon: CueLexicon
    options: RubricOptions
    resources: RubricResources

    def recorded(self) -> dict[str, Any]:
        """The rubric's part of a call's recorded settings."""
        return {
            "rubric_options": asdict(self.options),
            "rubric": {"id": self.rubric.id, "version": self.rubric.version, "source": self.rubric.source},
            **self.resources.describe(),
        }


def scoring_for(settings: PipelineSettings, language: str, channel: str = "phone") -> Scoring:
    """The rubric files and resources the settings name for ``language`` and ``channel``
    (``phone`` or ``email``)."""
    rubric = phone_rubric(settings) if channel == "phone" else email_rubric(settings)
    if channel == "email" and rubric.id != "email":
        raise RubricConfigError(f"{rubric.source}: rubric, field 'id': rubric.email_rubric must be the 'email' rubric, "
                                f"found '{rubric.id}'")
    return Scoring(rubric, lexicon_for(settings, language), options_for(settings), rubric_resources(settings, language))


def recorded_settings(settings: PipelineSettings, **extra: object) -> dict:
    """What goes into the per-call JSON's ``settings``: enough to trace every number."""
    return {
        "asr_model": extra.pop("asr_model", None),
        "diarization": extra.pop("diarization", None),
        "thresholds": settings.timing.as_dict(),
        **settings.recorded_options(),
        "settings_hash": settings.settings_hash(),
        **extra,
    }


@dataclass(frozen=True)
class PersonalData:
    """Personal data found on the full transcript, and the agent's exposures of it."""

    findings: tuple[PersonalDataFinding, ...]
    flags: tuple[PrivacyFlag, ...]


def find_personal_data(utterances: tuple[Utterance, ...], names: tuple[str, ...], privacy: Any) -> PersonalData:
    """Detection on the full transcript (``names``: the caller's, from identification)
    and the exposure flags, critical where ``privacy.critical_flags`` says so."""
    findings = detect_personal_data(utterances, DetectOptions(caller_names=names))
    flags = disclosure_flags(
        findings,
        readback_types=[PersonalDataType(t) for t in privacy.readback_types],
        critical_kinds=privacy.critical_flags,
    )
    return PersonalData(findings, flags)


def conclude(material: Heard | Written, settings: PipelineSettings, call_id: str) -> CallResult:
    """The call's result from what was heard (or read): roles, timing, personal data,
    scorecard, then redaction — the one path after listening (module docstring)."""
    if isinstance(material, Written):
        return _conclude_email(material, settings, call_id)
    return _conclude_call(material, settings, call_id)


def assign(heard: Heard, settings: PipelineSettings) -> RoleAssignment:
    """Who is the agent: the pinned roles when ``heard`` has them, else from what each
    party says (``roles.yaml`` cues, a configured ``roles.channel_map``); second voices
    on a stereo leg are third parties."""
    if heard.assignment is not None:
        return heard.assignment
    role_cues = _cached_role_cues(settings.resolve_path(settings.rubric.cues_dir) / "roles.yaml", heard.language)
    bridged = {v.new_label for v in heard.second_voices}
    assignment = assign_roles(
        heard.utterances,
        tuple(label for label in heard.activity.labels if label not in bridged),
        role_cues,
        settings.roles.channel_map,
        first_speaker=heard.activity.first_speaker,
        options=settings.roles,
    )
    return with_bridged_voices(assignment, heard.second_voices)


def _conclude_call(heard: Heard, settings: PipelineSettings, call_id: str) -> CallResult:
    language, activity = heard.language, heard.activity
    scoring = scoring_for(settings, language)
    assignment = assign(heard, settings)
    utterances = apply_roles(heard.utterances, assignment)
    timing = analyse_timing(activity, assignment.roles, utterances, heard.duration, settings.timing,
                            timing_cues(scoring.lexicon), sounds=heard.sounds, given=heard.given)
    names = caller_names(utterances, language, scoring.rubric, scoring.lexicon, scoring.options)
    personal = find_personal_data(utterances, names, settings.privacy)
    scorecard = _score_phone(utterances, timing, language, scoring, personal, settings)
    speakers = tuple(
        SpeakerInfo(
            label=label,
            role=assignment.roles.get(label, Role.OTHER),
            role_confidence=assignment.confidence.get(label, 0.0),
            talk_s=round(total_duration(activity.speakers[label]), 3),
        )
        for label in activity.labels
    )
    full = CallResult(
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
                           for v in heard.second_voices],
            language_probability=heard.language_probability,
            asr=dict(heard.asr),
            **scoring.recorded(),
            **heard.extra,
        ),
        speakers=speakers,
        turns=timing.turns,
        utterances=utterances,
        events=timing.events,
        metrics=timing.metrics,
        scorecard=scorecard,
        personal_data=personal.findings,
        privacy_flags=personal.flags,
        heard=dataclasses.replace(heard, assignment=assignment),
    )
    return _redacted(full, settings)


def _score_phone(utterances, timing, language, scoring: Scoring, personal: PersonalData,
                 settings: PipelineSettings) -> Scorecard:
    return score_phone_call(
        utterances, timing, language, scoring.rubric, scoring.lexicon, scoring.options,
        matchers=scoring.resources.matchers(scoring.lexicon), judges=scoring.resources.judges(),
        privacy_flags=personal.flags, critical_item=settings.privacy.critical_item,
    )


def _conclude_email(written: Written, settings: PipelineSettings, call_id: str) -> CallResult:
    from call_qa.rubric.email import judge_email_procedure_compliance

    thread, language = written.thread, written.language
    scoring = scoring_for(settings, language, "email")
    spelling = load_spelling(str(settings.resolve_path(settings.rubric.spelling)), language)
    utterances = email_utterances(thread)
    # no identification exchange in an email: the caller's name is not looked up
    personal = find_personal_data(utterances, (), settings.privacy)
    judges = scoring.resources.judges("email", base_procedure=judge_email_procedure_compliance)
    card = score_email(thread, scoring.rubric, scoring.lexicon, scoring.options, language=language,
                       matchers=scoring.resources.matchers(scoring.lexicon), judges=judges, spelling=spelling,
                       privacy_flags=personal.flags, critical_item=settings.privacy.critical_item)
    speakers = tuple(SpeakerInfo(u.speaker, u.role, 1.0, 0.0) for u in {u.speaker: u for u in utterances}.values())
    rubric_part = scoring.recorded()
    full = CallResult(
        call_id=call_id,
        source=thread.source,
        content_hash=written.content_hash,
        settings_hash=settings.settings_hash(),
        status=CallStatus.OK,
        duration_s=0.0,
        channels=0,
        layout=None,
        language=language,
        settings=recorded_settings(
            settings, asr_model=None, diarization=None, input="email", time_unit="sentence",
            subject=thread.subject, rubric=rubric_part.pop("rubric"), rubric_options=rubric_part.pop("rubric_options"),
            spelling=(spelling.source if spelling else None), **rubric_part,
        ),
        speakers=speakers,
        utterances=utterances,
        scorecard=card,
        personal_data=personal.findings,
        privacy_flags=personal.flags,
    )
    return _redacted(full, settings)


def _redacted(full: CallResult, settings: PipelineSettings) -> CallResult:
    if full.privacy_flags:
        logger.warning("%s: personal data exposed by the agent: %s", full.call_id,
                       "; ".join(f.detail for f in full.privacy_flags))
    return redact_result(full, settings.privacy)


# --------------------------------------------------------------------------- entry points without audio


def score_transcript(path: str | Path | None, settings: PipelineSettings, *, document: Any = None) -> CallResult:
    """``call-qa score-transcript``: one transcript file (or an already-read
    ``document``) through the composition. A malformed transcript raises
    TranscriptError naming the file, the utterance and the field."""
    from call_qa.rubric.transcript import heard_from_transcript

    call_id, heard = heard_from_transcript(path, document=document)
    return conclude(heard, settings, call_id)


def score_email_file(path: str | Path, settings: PipelineSettings, *, language: str | None = None) -> CallResult:
    """``call-qa score-email``: one ``.eml``/text file through the composition, in
    ``language`` or the reply's detected language."""
    from call_qa.files import file_hash
    from call_qa.rubric.email import detect_language, email_id, read_email

    path = Path(path)
    thread = read_email(path)
    written = Written(thread, file_hash(path), language or detect_language(thread.reply))
    return conclude(written, settings, email_id(path))


# --------------------------------------------------------------------------- an officer's correction


def swapped(assignment: RoleAssignment) -> RoleAssignment:
    """The same assignment with agent and customer exchanged (third parties stay)."""
    exchange = {Role.AGENT: Role.CUSTOMER, Role.CUSTOMER: Role.AGENT, Role.OTHER: Role.OTHER}
    return dataclasses.replace(assignment, roles={label: exchange[Role(role)] for label, role in assignment.roles.items()})
