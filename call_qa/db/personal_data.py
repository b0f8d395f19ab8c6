"""Personal data in the database: findings, kept originals, exposure flags and the
retention record (migration 0003; docs/personal-data.md).

Tables
------
``personal_data_findings``  one row per finding of a call's latest processing: type,
                            times, word span (into the unredacted transcript), speaker,
                            role, confidence, and ``value`` — the original — only while
                            retention keeps originals (NULL afterwards).
``privacy_flags``           the agent exposing data (read-back, another person's data).
``call_originals``          the unredacted utterances of a call (NULL once deleted),
                            with ``kept_until`` and ``deleted_at``, and ``heard``: what
                            was heard besides the words (speaker activity, line sounds,
                            second voices, given events, the roles used — migration
                            0007), from which an officer's swap re-runs the composition;
                            NULL with the utterances.
``retention_records``       what retention deleted, for which call, when: never edited,
                            no foreign key, so it outlives the call it describes.

The ``calls`` row and its redacted children are written by
``repository.save_call_result``, which calls :func:`add_personal_data_rows` in the same
transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Sequence

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint, delete, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from call_qa.db.engine import Database
from call_qa.db.models import Base, CallRow
from call_qa.db.session_utils import as_utc, database_errors
from call_qa.domain import (
    CallResult,
    Event,
    Heard,
    Layout,
    PersonalDataFinding,
    PersonalDataType,
    PrivacyFlag,
    Role,
    RoleAssignment,
    SoundKind,
    SoundSegment,
    Span,
    SpeakerActivity,
    Utterance,
    VoiceSplit,
    Word,
)

_TYPES = ", ".join(f"'{t.value}'" for t in PersonalDataType)


def _call_fk() -> Any:
    return ForeignKey("calls.id", ondelete="CASCADE")


class PersonalDataFindingRow(Base):
    __tablename__ = "personal_data_findings"
    __table_args__ = (
        UniqueConstraint("call_pk", "position"),
        CheckConstraint(f"type IN ({_TYPES})", name="type"),
        Index(None, "type"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_pk: Mapped[int] = mapped_column(_call_fk())
    position: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(16))
    start_s: Mapped[float] = mapped_column()
    end_s: Mapped[float] = mapped_column()
    words: Mapped[list[Any]] = mapped_column()  # [[utterance index, word index], ...]
    speaker: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    confidence: Mapped[float] = mapped_column()
    form: Mapped[str] = mapped_column(String(16))
    value: Mapped[str | None] = mapped_column(Text)


class PrivacyFlagRow(Base):
    __tablename__ = "privacy_flags"
    __table_args__ = (UniqueConstraint("call_pk", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_pk: Mapped[int] = mapped_column(_call_fk())
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    type: Mapped[str] = mapped_column(String(16))
    start_s: Mapped[float] = mapped_column()
    end_s: Mapped[float] = mapped_column()
    speaker: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    confidence: Mapped[float] = mapped_column()
    critical: Mapped[bool] = mapped_column()
    detail: Mapped[str] = mapped_column(Text)


class CallOriginalsRow(Base):
    __tablename__ = "call_originals"

    call_pk: Mapped[int] = mapped_column(_call_fk(), primary_key=True)
    # none_as_null: deleted originals are SQL NULL, not the JSON value null
    utterances: Mapped[list[Any] | None] = mapped_column(JSON(none_as_null=True))
    heard: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    kept_until: Mapped[dt.datetime | None] = mapped_column()
    deleted_at: Mapped[dt.datetime | None] = mapped_column()


class RetentionRecordRow(Base):
    __tablename__ = "retention_records"
    __table_args__ = (
        CheckConstraint("what IN ('audio', 'originals')", name="what"),
        Index(None, "call_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[str] = mapped_column(String(255))
    what: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text)
    deleted_at: Mapped[dt.datetime] = mapped_column()


# --------------------------------------------------------------------------- write (inside save_call_result)


def _words_json(utterances: Sequence[Utterance]) -> list[dict[str, Any]]:
    return [
        {"start": u.start, "end": u.end, "speaker": u.speaker, "role": Role(u.role).value, "text": u.text,
         "words": [{"start": w.start, "end": w.end, "text": w.text, "probability": w.probability} for w in u.words]}
        for u in utterances
    ]


def add_personal_data_rows(session: Session, call_pk: int, result: CallResult, retention_days: int | None = None) -> None:
    """Replace the call's findings, flags and originals (same transaction as the call)."""
    for table in (PersonalDataFindingRow, PrivacyFlagRow, CallOriginalsRow):
        session.execute(delete(table).where(table.call_pk == call_pk))
    keep = result.originals is not None
    session.add_all(
        PersonalDataFindingRow(
            call_pk=call_pk, position=i, type=f.type.value, start_s=f.start, end_s=f.end,
            words=[list(w) for w in f.words], speaker=f.speaker, role=Role(f.role).value,
            confidence=f.confidence, form=f.form, value=f.value if keep else None,
        )
        for i, f in enumerate(result.personal_data)
    )
    session.add_all(
        PrivacyFlagRow(
            call_pk=call_pk, position=i, kind=g.kind, type=g.type.value, start_s=g.start, end_s=g.end,
            speaker=g.speaker, role=Role(g.role).value, confidence=g.confidence, critical=g.critical, detail=g.detail,
        )
        for i, g in enumerate(result.privacy_flags)
    )
    if keep:
        # kept_until only when the caller knows the retention period; the retention flow
        # also applies its configured days to processed_at
        now = dt.datetime.now(dt.timezone.utc)
        session.add(CallOriginalsRow(
            call_pk=call_pk, utterances=_words_json(result.originals or ()),
            heard=heard_json(result.heard) if result.heard is not None else None,
            kept_until=now + dt.timedelta(days=retention_days) if retention_days is not None else None,
        ))


def load_personal_data(session: Session, call_pk: int) -> tuple[tuple[PersonalDataFinding, ...], tuple[PrivacyFlag, ...]]:
    """Findings and flags of a stored call, for ``load_call_result``. Finding values are
    left out (None): originals leave the database only through
    :func:`load_unredacted_utterances`, whose every use the web app logs."""
    rows = session.scalars(select(PersonalDataFindingRow).where(PersonalDataFindingRow.call_pk == call_pk)
                           .order_by(PersonalDataFindingRow.position))
    findings = tuple(
        PersonalDataFinding(PersonalDataType(r.type), r.start_s, r.end_s, r.speaker, Role(r.role),
                            tuple(tuple(w) for w in r.words), r.confidence, None, r.form)
        for r in rows
    )
    flag_rows = session.scalars(select(PrivacyFlagRow).where(PrivacyFlagRow.call_pk == call_pk)
                                .order_by(PrivacyFlagRow.position))
    flags = tuple(
        PrivacyFlag(r.kind, PersonalDataType(r.type), r.start_s, r.end_s, r.speaker, Role(r.role), r.confidence,
                    r.detail, r.critical)
        for r in flag_rows
    )
    return findings, flags


# --------------------------------------------------------------------------- read originals


def load_unredacted_utterances(db: Database, call_id: str) -> list[Utterance] | None:
    """The call's unredacted utterances, or None when originals were not kept, have been
    deleted by retention, or the call is unknown. The caller (web app) logs the access."""
    with database_errors(db, f"load originals of {call_id!r}"), db.session() as session:
        row = session.execute(
            select(CallOriginalsRow.utterances)
            .join(CallRow, CallRow.id == CallOriginalsRow.call_pk)
            .where(CallRow.call_id == call_id)
        ).one_or_none()
        if row is None or row[0] is None:
            return None
        return _utterances_of(row[0])


def heard_json(heard: Heard) -> dict[str, Any]:
    """What was heard besides the words, as the JSON kept in ``call_originals.heard``
    (the utterances are the originals beside it)."""
    def spans(items: Sequence[Span]) -> list[list[float]]:
        return [[x.start, x.end] for x in items]

    a = heard.assignment
    return {
        "source": heard.source, "content_hash": heard.content_hash, "duration": heard.duration,
        "layout": Layout(heard.layout).value if heard.layout is not None else None,
        "original_channels": heard.original_channels,
        "activity": {"layout": Layout(heard.activity.layout).value, "method": heard.activity.method,
                     "speakers": {k: spans(v) for k, v in heard.activity.speakers.items()}},
        "language": heard.language, "language_probability": heard.language_probability,
        "second_voices": [{"label": v.label, "new_label": v.new_label, "change_at": v.change_at,
                           "spans": spans(v.spans), "separation": v.separation} for v in heard.second_voices],
        "sounds": [{"start": x.start, "end": x.end, "kind": SoundKind(x.kind).value, "detail": x.detail}
                   for x in heard.sounds],
        "given": [e.to_dict() for e in heard.given],
        "assignment": ({"roles": {k: Role(r).value for k, r in a.roles.items()}, "confidence": dict(a.confidence),
                        "method": a.method} if a is not None else None),
        "asr_model": heard.asr_model,
        "asr": _plain(heard.asr),
        "extra": _plain(heard.extra),
    }


def _plain(value: Any) -> Any:
    """JSON-ready copy (tuples as lists) of a recorded-settings mapping."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def heard_from_json(data: dict[str, Any], utterances: Sequence[Utterance]) -> Heard:
    """The :class:`Heard` that :func:`heard_json` kept, with the kept ``utterances``."""
    def spans(items: Sequence[Sequence[float]]) -> tuple[Span, ...]:
        return tuple(Span(float(x), float(y)) for x, y in items)

    act, a = data["activity"], data["assignment"]
    return Heard(
        source=data["source"], content_hash=data["content_hash"], duration=float(data["duration"]),
        layout=Layout(data["layout"]) if data["layout"] is not None else None,
        original_channels=int(data["original_channels"]),
        activity=SpeakerActivity(Layout(act["layout"]), {k: spans(v) for k, v in act["speakers"].items()},
                                 act["method"]),
        utterances=tuple(utterances),
        language=data["language"], language_probability=float(data["language_probability"]),
        second_voices=tuple(VoiceSplit(v["label"], v["new_label"], float(v["change_at"]), spans(v["spans"]),
                                       float(v["separation"])) for v in data["second_voices"]),
        sounds=tuple(SoundSegment(float(x["start"]), float(x["end"]), SoundKind(x["kind"]), x["detail"])
                     for x in data["sounds"]),
        given=tuple(Event.from_dict(e) for e in data["given"]),
        assignment=(RoleAssignment({k: Role(r) for k, r in a["roles"].items()},
                                   {k: float(c) for k, c in a["confidence"].items()}, a["method"])
                    if a is not None else None),
        asr_model=data["asr_model"], asr=data["asr"], extra=data["extra"],
    )


def load_heard(db: Database, call_id: str) -> Heard | None:
    """What was heard of the call with its unredacted utterances — the input a swap
    re-runs the composition from — or None when originals were not kept, have been
    deleted by retention, predate migration 0007, or the call is unknown. Not logged
    here: the caller records why it read them."""
    with database_errors(db, f"load what was heard of {call_id!r}"), db.session() as session:
        row = session.execute(
            select(CallOriginalsRow.utterances, CallOriginalsRow.heard)
            .join(CallRow, CallRow.id == CallOriginalsRow.call_pk)
            .where(CallRow.call_id == call_id)
        ).one_or_none()
        if row is None or row[0] is None or row[1] is None:
            return None
        return heard_from_json(row[1], _utterances_of(row[0]))


def _utterances_of(rows: Sequence[dict[str, Any]]) -> list[Utterance]:
    return [
        Utterance(u["start"], u["end"], u["speaker"], Role(u["role"]), u["text"],
                  tuple(Word(w["start"], w["end"], w["text"], w["probability"]) for w in u["words"]))
        for u in rows
    ]


# --------------------------------------------------------------------------- retention


@dataclass(frozen=True)
class RetentionRecord:
    call_id: str
    what: str  # audio | originals
    detail: str
    deleted_at: dt.datetime


def delete_expired_originals(db: Database, now: dt.datetime, retention_days: int | None) -> list[RetentionRecord]:
    """Null the unredacted utterances and finding values of every call whose originals
    are past ``kept_until`` (or processed more than ``retention_days`` ago when that is
    given), recording each deletion — all in one transaction."""
    records: list[RetentionRecord] = []
    with database_errors(db, "delete expired originals"), db.session() as session, session.begin():
        rows = session.execute(
            select(CallOriginalsRow, CallRow.call_id, CallRow.processed_at)
            .join(CallRow, CallRow.id == CallOriginalsRow.call_pk)
            .where(CallOriginalsRow.utterances.is_not(None))
        ).all()
        for orig, call_id, processed_at in rows:
            due = orig.kept_until is not None and as_utc(orig.kept_until) <= now
            if retention_days is not None and as_utc(processed_at) + dt.timedelta(days=retention_days) <= now:
                due = True
            if not due:
                continue
            values = session.execute(
                update(PersonalDataFindingRow)
                .where(PersonalDataFindingRow.call_pk == orig.call_pk, PersonalDataFindingRow.value.is_not(None))
                .values(value=None)
            ).rowcount
            orig.utterances = None
            orig.heard = None
            orig.deleted_at = now
            detail = f"unredacted transcript and {values} finding value(s) (processed {as_utc(processed_at).isoformat()})"
            session.add(RetentionRecordRow(call_id=call_id, what="originals", detail=detail, deleted_at=now))
            records.append(RetentionRecord(call_id, "originals", detail, now))
    return records


def calls_with_audio_due(db: Database, now: dt.datetime, audio_retention_days: int) -> list[tuple[str, str]]:
    """(call_id, source path) of calls processed ``audio_retention_days`` or more ago
    whose audio retention has not yet deleted."""
    cutoff = now - dt.timedelta(days=audio_retention_days)
    with database_errors(db, "list calls due for audio deletion"), db.session() as session:
        done = select(RetentionRecordRow.call_id).where(RetentionRecordRow.what == "audio")
        rows = session.execute(
            select(CallRow.call_id, CallRow.source, CallRow.processed_at).where(CallRow.call_id.not_in(done))
        ).all()
        return [(c, s) for c, s, p in rows if as_utc(p) <= cutoff]


def record_deletion(db: Database, call_id: str, what: str, detail: str, now: dt.datetime) -> RetentionRecord:
    """Write one retention record."""
    with database_errors(db, f"record deletion for {call_id!r}"), db.session() as session, session.begin():
        session.add(RetentionRecordRow(call_id=call_id, what=what, detail=detail, deleted_at=now))
    return RetentionRecord(call_id, what, detail, now)


def retention_records(db: Database, call_id: str | None = None) -> list[RetentionRecord]:
    """What retention deleted (all calls, or one), oldest first."""
    with database_errors(db, "read retention records"), db.session() as session:
        q = select(RetentionRecordRow).order_by(RetentionRecordRow.id)
        if call_id is not None:
            q = q.where(RetentionRecordRow.call_id == call_id)
        return [RetentionRecord(r.call_id, r.what, r.detail, as_utc(r.deleted_at)) for r in session.scalars(q)]
