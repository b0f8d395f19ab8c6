"""Personal data in the database: findings, kept originals, exposure flags and the
retention record (migration 0003; docs/personal-data.md).

Tables
------
``personal_data_findings``  one row per finding of a call's latest processing: type,
                            times, word span (into the unredacted transcript), speaker,
                            role, confidence, and ``value`` — the original, sealed with
                            the site key (``key_id`` names it; migration 0008) — only
                            while retention keeps originals (NULL afterwards).
``privacy_flags``           the agent exposing data (read-back, another person's data).
``call_originals``          the unredacted utterances of a call (NULL once deleted),
                            sealed with the site key named by ``key_id``,
                            with ``kept_until`` and ``deleted_at``, and ``heard`` (sealed
                            beside them): what
                            was heard besides the words (speaker activity, line sounds,
                            second voices, given events, the roles used — migration
                            0007), from which an officer's swap re-runs the composition;
                            NULL with the utterances.
``retention_records``       what retention deleted, for which call, when: never edited,
                            no foreign key, so it outlives the call it describes.

The ``calls`` row and its redacted children are written by
``repository.save_call_result``, which calls :func:`add_personal_data_rows` in the same
transaction.

Sealing (call_qa/crypto.py): every original is AES-GCM ciphertext bound to its table,
column and row; nothing unredacted is written without the process's site keyring
(:func:`call_qa.crypto.site_keyring`, the start-up check), and reading one needs it.
Rows from before migration 0008 have ``key_id`` NULL and clear text until
:func:`seal_all_originals` (``call-qa keys rotate``) seals them.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Sequence

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint, delete, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from call_qa.crypto import DecryptionError, Keyring, active_keyring
from call_qa.db.engine import Database
from call_qa.db.models import Base, CallRow
from call_qa.db.session_utils import as_utc, database_errors
from call_qa.errors import CallQAError
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
    value: Mapped[str | None] = mapped_column(Text)  # sealed (key_id), or clear text from before 0008
    key_id: Mapped[str | None] = mapped_column(String(32))


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
    # sealed JSON (key_id names the key; NULL: clear JSON from before migration 0008);
    # deleted originals are SQL NULL
    utterances: Mapped[str | None] = mapped_column(Text)
    heard: Mapped[str | None] = mapped_column(Text)
    key_id: Mapped[str | None] = mapped_column(String(32))
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


class OriginalsNotSealed(CallQAError):
    """Unredacted originals were to be stored without a site key to seal them."""


def _aad(column: str, call_pk: int, position: int | None = None) -> str:
    """Associated data binding a ciphertext to its table, column and row."""
    return f"call-qa|{column}|{call_pk}" + ("" if position is None else f"|{position}")


def _finding_aad(call_pk: int, position: int) -> bytes:
    return _aad("personal_data_findings.value", call_pk, position).encode()


def _seal_json(ring: Keyring, column: str, call_pk: int, data: Any) -> tuple[str, str]:
    return ring.seal(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
                     _aad(column, call_pk).encode())


def _open_json(ring: Keyring | None, key_id: str | None, column: str, call_pk: int, token: Any) -> Any:
    if key_id is None:  # written before migration 0008: clear JSON (text or decoded)
        return json.loads(token) if isinstance(token, str) else token
    if ring is None:
        raise DecryptionError(f"{column} of this call is sealed with key {key_id!r}, and no site key is "
                              "loaded: set privacy.key_file or privacy.key_env")
    return json.loads(ring.open(key_id, token, _aad(column, call_pk).encode()).decode("utf-8"))


def add_personal_data_rows(session: Session, call_pk: int, result: CallResult, retention_days: int | None = None,
                           keyring: Keyring | None = None) -> None:
    """Replace the call's findings, flags and originals (same transaction as the call).

    Originals (``result.originals``, ``heard`` and the finding values) are sealed with
    ``keyring`` (default: the process's site keyring); without one they are refused
    with OriginalsNotSealed rather than written in clear text."""
    for table in (PersonalDataFindingRow, PrivacyFlagRow, CallOriginalsRow):
        session.execute(delete(table).where(table.call_pk == call_pk))
    keep = result.originals is not None
    ring = keyring or active_keyring()
    if keep and ring is None:
        raise OriginalsNotSealed(f"{result.call_id}: unredacted originals are kept but no site key is loaded; "
                                 "set privacy.key_file or privacy.key_env (call-qa keys new)")

    def sealed_value(i: int, value: str | None) -> tuple[str | None, str | None]:
        if not keep or value is None or ring is None:
            return None, None
        return ring.seal(value.encode("utf-8"), _finding_aad(call_pk, i))

    rows = []
    for i, f in enumerate(result.personal_data):
        key_id, token = sealed_value(i, f.value)
        rows.append(PersonalDataFindingRow(
            call_pk=call_pk, position=i, type=f.type.value, start_s=f.start, end_s=f.end,
            words=[list(w) for w in f.words], speaker=f.speaker, role=Role(f.role).value,
            confidence=f.confidence, form=f.form, value=token, key_id=key_id,
        ))
    session.add_all(rows)
    session.add_all(
        PrivacyFlagRow(
            call_pk=call_pk, position=i, kind=g.kind, type=g.type.value, start_s=g.start, end_s=g.end,
            speaker=g.speaker, role=Role(g.role).value, confidence=g.confidence, critical=g.critical, detail=g.detail,
        )
        for i, g in enumerate(result.privacy_flags)
    )
    if keep and ring is not None:
        # kept_until only when the caller knows the retention period; the retention flow
        # also applies its configured days to processed_at
        now = dt.datetime.now(dt.timezone.utc)
        key_id, utterances = _seal_json(ring, "call_originals.utterances", call_pk, _words_json(result.originals or ()))
        heard = (_seal_json(ring, "call_originals.heard", call_pk, heard_json(result.heard))[1]
                 if result.heard is not None else None)
        session.add(CallOriginalsRow(
            call_pk=call_pk, utterances=utterances, heard=heard, key_id=key_id,
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


def load_unredacted_utterances(db: Database, call_id: str, keyring: Keyring | None = None) -> list[Utterance] | None:
    """The call's unredacted utterances, opened with ``keyring`` (default: the process's
    site keyring), or None when originals were not kept, have been deleted by retention,
    or the call is unknown. The caller (web app) logs the access."""
    with database_errors(db, f"load originals of {call_id!r}"), db.session() as session:
        row = session.execute(
            select(CallOriginalsRow.call_pk, CallOriginalsRow.key_id, CallOriginalsRow.utterances)
            .join(CallRow, CallRow.id == CallOriginalsRow.call_pk)
            .where(CallRow.call_id == call_id)
        ).one_or_none()
    if row is None or row[2] is None:
        return None
    pk, key_id, token = row
    return _utterances_of(_open_json(keyring or active_keyring(), key_id, "call_originals.utterances", pk, token))


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


def load_heard(db: Database, call_id: str, keyring: Keyring | None = None) -> Heard | None:
    """What was heard of the call with its unredacted utterances — the input a swap
    re-runs the composition from — or None when originals were not kept, have been
    deleted by retention, predate migration 0007, or the call is unknown. Not logged
    here: the caller records why it read them. Opened with ``keyring`` (default: the
    process's site keyring)."""
    with database_errors(db, f"load what was heard of {call_id!r}"), db.session() as session:
        row = session.execute(
            select(CallOriginalsRow.call_pk, CallOriginalsRow.key_id, CallOriginalsRow.utterances, CallOriginalsRow.heard)
            .join(CallRow, CallRow.id == CallOriginalsRow.call_pk)
            .where(CallRow.call_id == call_id)
        ).one_or_none()
    if row is None or row[2] is None or row[3] is None:
        return None
    pk, key_id, utterances, heard = row
    ring = keyring or active_keyring()
    return heard_from_json(_open_json(ring, key_id, "call_originals.heard", pk, heard),
                           _utterances_of(_open_json(ring, key_id, "call_originals.utterances", pk, utterances)))


def load_finding_values(db: Database, call_id: str, keyring: Keyring | None = None) -> list[str | None]:
    """The findings' original values in order (None where deleted or never kept),
    opened with ``keyring`` (default: the process's). Not logged here."""
    ring = keyring or active_keyring()
    with database_errors(db, f"load finding values of {call_id!r}"), db.session() as session:
        rows = session.execute(
            select(PersonalDataFindingRow.call_pk, PersonalDataFindingRow.position, PersonalDataFindingRow.key_id,
                   PersonalDataFindingRow.value)
            .join(CallRow, CallRow.id == PersonalDataFindingRow.call_pk)
            .where(CallRow.call_id == call_id).order_by(PersonalDataFindingRow.position)
        ).all()
    out: list[str | None] = []
    for pk, position, key_id, value in rows:
        if value is None or key_id is None:
            out.append(value)
            continue
        if ring is None:
            raise DecryptionError(f"finding values of {call_id!r} are sealed with key {key_id!r}, and no site key "
                                  "is loaded")
        out.append(ring.open(key_id, value, _finding_aad(pk, position)).decode("utf-8"))
    return out


# --------------------------------------------------------------------------- keys


def key_usage(db: Database) -> dict[str | None, int]:
    """Rows holding originals per key id (None: clear text from before migration 0008):
    call_originals rows plus finding values."""
    counts: dict[str | None, int] = {}
    with database_errors(db, "count sealed originals"), db.session() as session:
        for key_id, in session.execute(select(CallOriginalsRow.key_id).where(CallOriginalsRow.utterances.is_not(None))):
            counts[key_id] = counts.get(key_id, 0) + 1
        for key_id, in session.execute(select(PersonalDataFindingRow.key_id)
                                       .where(PersonalDataFindingRow.value.is_not(None))):
            counts[key_id] = counts.get(key_id, 0) + 1
    return counts


def seal_all_originals(db: Database, keyring: Keyring, batch: int = 200) -> int:
    """Re-encrypt every kept original not sealed with ``keyring.current`` (clear text
    from before migration 0008 included) to it; returns how many rows changed. Works in
    batches, each its own transaction, so an interrupted rotation resumes where it
    stopped (the old keys stay in the keyring until none is used)."""
    changed = 0
    while True:
        with database_errors(db, "re-encrypt originals"), db.session() as session, session.begin():
            rows = session.scalars(
                select(CallOriginalsRow)
                .where(CallOriginalsRow.utterances.is_not(None))
                .where((CallOriginalsRow.key_id.is_(None)) | (CallOriginalsRow.key_id != keyring.current))
                .limit(batch)
            ).all()
            for r in rows:
                utterances = _open_json(keyring, r.key_id, "call_originals.utterances", r.call_pk, r.utterances)
                heard = (_open_json(keyring, r.key_id, "call_originals.heard", r.call_pk, r.heard)
                         if r.heard is not None else None)
                r.key_id, r.utterances = _seal_json(keyring, "call_originals.utterances", r.call_pk, utterances)
                r.heard = _seal_json(keyring, "call_originals.heard", r.call_pk, heard)[1] if heard is not None else None
            findings = session.scalars(
                select(PersonalDataFindingRow)
                .where(PersonalDataFindingRow.value.is_not(None))
                .where((PersonalDataFindingRow.key_id.is_(None)) | (PersonalDataFindingRow.key_id != keyring.current))
                .limit(batch)
            ).all()
            for f in findings:
                aad = _finding_aad(f.call_pk, f.position)
                plain = f.value.encode("utf-8") if f.key_id is None else keyring.open(f.key_id, f.value, aad)
                f.key_id, f.value = keyring.seal(plain, aad)
            changed += len(rows) + len(findings)
        if not rows and not findings:
            return changed


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
                .values(value=None, key_id=None)
            ).rowcount
            orig.utterances = None
            orig.heard = None
            orig.key_id = None
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
