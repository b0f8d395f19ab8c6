"""Repository functions: the only way call-qa reads and writes its database.

Each function takes a :class:`~call_qa.db.engine.Database` and domain values from
``call_qa.domain`` (or plain ids), converts explicitly between those values and the
rows of ``models.py``, and runs in one transaction of its own. SQLAlchemy errors leave
as :class:`~call_qa.db.errors.DatabaseError`, so callers never import SQLAlchemy.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from call_qa.db import daily
from call_qa.db.engine import Database
from call_qa.db.errors import NotFoundError
from call_qa.db.models import (
    CallMetricRow,
    CallRow,
    EventRow,
    ItemOverrideRow,
    ItemResultRow,
    ScorecardRow,
    SpeakerRow,
    TurnRow,
    UtteranceRow,
)
from call_qa.db.personal_data import add_personal_data_rows, load_personal_data
from call_qa.db.session_utils import as_utc, consistent_snapshot, database_errors
from call_qa.domain import (
    DETAILS_TYPES,
    CallResult,
    CallStatus,
    Event,
    EventType,
    Evidence,
    ItemResult,
    Layout,
    Role,
    Scorecard,
    SectionScore,
    SpeakerInfo,
    Turn,
    Utterance,
    Verdict,
    Word,
)

log = logging.getLogger("call_qa")

# Tables holding the computed results of one processing run, replaced as a whole when
# a call is processed again. item_results go with their scorecard (ON DELETE CASCADE).
_RESULT_TABLES = (SpeakerRow, UtteranceRow, TurnRow, EventRow, CallMetricRow, ScorecardRow)


# --------------------------------------------------------------------------- read models


@dataclass(frozen=True)
class CallSummary:
    """One line of the calls table (CLI, web list): no transcript, no items."""

    call_id: str
    status: CallStatus
    score: float | None  # None without a scorecard or when nothing could be scored
    needs_review: int | None  # None without a scorecard (failed call)
    duration_s: float
    language: str | None
    layout: Layout | None
    metrics: Mapping[str, float | int | None]
    errors: tuple[str, ...]
    source: str
    rubric_id: str | None
    processed_at: dt.datetime


@dataclass(frozen=True)
class ItemOverride:
    """A QA officer's recorded decision on one rubric item of one call."""

    id: int
    call_id: str
    item_id: str
    verdict: Verdict
    reason: str
    user: str
    created_at: dt.datetime


# --------------------------------------------------------------------------- write


def save_call_result(db: Database, result: CallResult, *, correction: bool = False) -> None:
    """Store ``result`` with all its parts in one transaction.

    ``correction``: ``result`` corrects the stored one (an officer's swap of roles), so
    the call keeps its ``processed_at`` — retention keeps counting from the processing.

    A call already stored under ``result.call_id`` has its previous results (speakers,
    transcript, turns, events, metrics, scorecard) deleted and replaced in that same
    transaction, so a reader sees either the old results or the new ones, never a mix
    and never both. The ``calls`` row itself is updated in place, so QA overrides
    recorded for the call stay attached to it.
    """
    with database_errors(db, f"save call {result.call_id!r}"), db.session() as session:
        with session.begin():
            call = session.scalars(
                # Serialises two workers saving the same call on PostgreSQL.
                select(CallRow).where(CallRow.call_id == result.call_id).with_for_update()
            ).one_or_none()
            replacing = call is not None
            before = daily.cells_of(session, db.dialect, [call.id]) if replacing else set()
            if call is None:
                call = CallRow(call_id=result.call_id)
                session.add(call)
            else:
                for table in _RESULT_TABLES:
                    session.execute(delete(table).where(table.call_pk == call.id))
            processed_at = call.processed_at if replacing and correction else None
            _fill_call_row(call, result)
            if processed_at is not None:
                call.processed_at = processed_at
            session.flush()  # assigns call.id for the children below
            session.add_all(_result_rows(call.id, result))
            # personal-data findings, flags and kept originals (db/personal_data.py)
            add_personal_data_rows(session, call.id, result)
            if result.scorecard is not None:
                scorecard = _scorecard_row(call.id, result.scorecard)
                session.add(scorecard)
                session.flush()
                session.add_all(_item_rows(scorecard.id, result.scorecard.items))
            session.flush()
            # The per-day totals of the call's old and new day (call_daily).
            daily.refresh_cells(session, db.dialect, before | daily.cells_of(session, db.dialect, [call.id]))
    log.debug(
        "%s call %s (%s, %d utterances, %d events)",
        "replaced" if replacing else "saved",
        result.call_id,
        CallStatus(result.status).value,
        len(result.utterances),
        len(result.events),
    )


def add_override(
    db: Database,
    call_id: str,
    item_id: str,
    verdict: Verdict | str,
    reason: str,
    user: str,
) -> ItemOverride:
    """Record a QA officer's verdict on one item of a call's current scorecard.

    Always inserts a new row: earlier decisions and the computed scorecard stay as they
    were, so the history of who decided what remains. Raises :class:`NotFoundError`
    when the call is unknown or its scorecard has no item ``item_id``.
    """
    verdict = Verdict(verdict)
    with database_errors(db, f"record an override for {call_id!r}/{item_id!r}"):
        with db.session() as session, session.begin():
            call_pk = _call_pk(session, call_id)
            if call_pk is None:
                raise NotFoundError(f"No call {call_id!r} in the database {db.url}.")
            item_result_id = session.scalar(
                select(ItemResultRow.id)
                .join(ScorecardRow, ItemResultRow.scorecard_id == ScorecardRow.id)
                .where(ScorecardRow.call_pk == call_pk, ItemResultRow.item_id == item_id)
            )
            if item_result_id is None:
                raise NotFoundError(
                    f"Call {call_id!r} has no scored item {item_id!r} to override "
                    "(failed call, or an item id not in its rubric)."
                )
            row = ItemOverrideRow(
                call_pk=call_pk,
                item_id=item_id,
                item_result_id=item_result_id,
                verdict=verdict.value,
                reason=reason,
                user_name=user,
                created_at=dt.datetime.now(dt.timezone.utc),
            )
            session.add(row)
            session.flush()
            # The call's items awaiting review may have changed (call_daily).
            daily.refresh_cells(session, db.dialect, daily.cells_of(session, db.dialect, [call_pk]))
            override = ItemOverride(
                id=row.id,
                call_id=call_id,
                item_id=item_id,
                verdict=verdict,
                reason=reason,
                user=user,
                created_at=as_utc(row.created_at),
            )
    log.info("override %s/%s -> %s by %s", call_id, item_id, verdict.value, user)
    return override


class Keep(enum.Enum):
    """Default of :func:`set_call_metadata`'s fields: leave the stored value as it is."""

    KEEP = "keep"


def set_call_metadata(
    db: Database,
    call_id: str,
    *,
    agent_id: str | None | Keep = Keep.KEEP,
    team: str | None | Keep = Keep.KEEP,
    recorded_at: dt.datetime | None | Keep = Keep.KEEP,
) -> None:
    """Record who handled ``call_id`` and when it was recorded (from the recorder or
    telephony export), for the supervisor aggregates.

    Only the fields passed are changed; passing None clears one. ``recorded_at`` must
    carry its time zone and is stored in UTC (a naive time would put calls on the wrong
    day). The metadata lives on the ``calls`` row, so it survives re-processing the
    call. Raises :class:`NotFoundError` when the call is unknown.
    """
    changes: dict[str, Any] = {}
    if not isinstance(agent_id, Keep):
        changes["agent_id"] = agent_id
    if not isinstance(team, Keep):
        changes["team"] = team
    if not isinstance(recorded_at, Keep):
        if recorded_at is not None:
            if recorded_at.tzinfo is None or recorded_at.utcoffset() is None:
                raise ValueError(
                    f"recorded_at {recorded_at.isoformat()} has no time zone; give an aware "
                    "datetime (e.g. with tzinfo=ZoneInfo('Asia/Jakarta'))."
                )
            recorded_at = recorded_at.astimezone(dt.timezone.utc)
        changes["recorded_at"] = recorded_at
    with database_errors(db, f"set metadata of call {call_id!r}"):
        with db.session() as session, session.begin():
            call_pk = _call_pk(session, call_id)
            if call_pk is None:
                raise NotFoundError(f"No call {call_id!r} in the database {db.url}.")
            if changes:
                before = daily.cells_of(session, db.dialect, [call_pk])
                session.execute(update(CallRow).where(CallRow.id == call_pk).values(**changes))
                daily.refresh_cells(session, db.dialect, before | daily.cells_of(session, db.dialect, [call_pk]))
    log.debug("metadata of call %s: %s", call_id, changes)


def delete_call(db: Database, call_id: str) -> bool:
    """Delete ``call_id`` with everything stored for it (results, overrides, personal
    data), and take it out of the per-day totals, in one transaction. Returns False
    when there was no such call. The access log and retention records keep their
    copies of the call id."""
    with database_errors(db, f"delete call {call_id!r}"):
        with db.session() as session, session.begin():
            call_pk = _call_pk(session, call_id)
            if call_pk is None:
                return False
            cells = daily.cells_of(session, db.dialect, [call_pk])
            session.execute(delete(CallRow).where(CallRow.id == call_pk))
            daily.refresh_cells(session, db.dialect, cells)
    log.info("deleted call %s", call_id)
    return True


# --------------------------------------------------------------------------- read


def load_call_result(db: Database, call_id: str) -> CallResult | None:
    """The stored :class:`CallResult` of ``call_id`` as computed (overrides not applied),
    or None when the call is not in the database."""
    with database_errors(db, f"load call {call_id!r}"), db.session() as session:
        consistent_snapshot(db, session)
        call = session.scalars(select(CallRow).where(CallRow.call_id == call_id)).one_or_none()
        if call is None:
            return None

        def children(table: Any) -> list[Any]:
            return list(
                session.scalars(select(table).where(table.call_pk == call.id).order_by(table.position))
            )

        scorecard_row = session.scalars(
            select(ScorecardRow).where(ScorecardRow.call_pk == call.id)
        ).one_or_none()
        scorecard = None
        if scorecard_row is not None:
            items = session.scalars(
                select(ItemResultRow)
                .where(ItemResultRow.scorecard_id == scorecard_row.id)
                .order_by(ItemResultRow.position)
            )
            scorecard = _scorecard_from_rows(scorecard_row, items)

        personal_data, privacy_flags = load_personal_data(session, call.id)
        return CallResult(
            call_id=call.call_id,
            source=call.source,
            content_hash=call.content_hash,
            settings_hash=call.settings_hash,
            status=CallStatus(call.status),
            duration_s=call.duration_s,
            channels=call.channels,
            layout=Layout(call.layout) if call.layout is not None else None,
            language=call.language,
            settings=call.settings,
            speakers=tuple(_speaker_from_row(r) for r in children(SpeakerRow)),
            turns=tuple(_turn_from_row(r) for r in children(TurnRow)),
            utterances=tuple(_utterance_from_row(r) for r in children(UtteranceRow)),
            events=tuple(_event_from_row(r) for r in children(EventRow)),
            metrics=_metrics_from_rows(children(CallMetricRow)),
            scorecard=scorecard,
            errors=tuple(call.errors),
            personal_data=personal_data,
            privacy_flags=privacy_flags,
        )


def list_calls(db: Database, call_ids: Iterable[str] | None = None) -> list[CallSummary]:
    """Summaries of all stored calls (or only of ``call_ids``), ordered by call_id."""
    wanted = None if call_ids is None else list(call_ids)
    with database_errors(db, "list calls"), db.session() as session:
        consistent_snapshot(db, session)
        query = (
            select(CallRow, ScorecardRow)
            .outerjoin(ScorecardRow, ScorecardRow.call_pk == CallRow.id)
            .order_by(CallRow.call_id)
        )
        metrics_query = select(CallMetricRow).order_by(CallMetricRow.call_pk, CallMetricRow.position)
        if wanted is not None:
            query = query.where(CallRow.call_id.in_(wanted))
            metrics_query = metrics_query.join(CallRow, CallRow.id == CallMetricRow.call_pk).where(
                CallRow.call_id.in_(wanted)
            )
        rows = session.execute(query).all()
        metric_rows: dict[int, list[CallMetricRow]] = {}
        for metric in session.scalars(metrics_query):
            metric_rows.setdefault(metric.call_pk, []).append(metric)
        return [
            CallSummary(
                call_id=call.call_id,
                status=CallStatus(call.status),
                score=scorecard.score if scorecard is not None else None,
                needs_review=scorecard.needs_review if scorecard is not None else None,
                duration_s=call.duration_s,
                language=call.language,
                layout=Layout(call.layout) if call.layout is not None else None,
                metrics=_metrics_from_rows(metric_rows.get(call.id, [])),
                errors=tuple(call.errors),
                source=call.source,
                rubric_id=scorecard.rubric_id if scorecard is not None else None,
                processed_at=as_utc(call.processed_at),
            )
            for call, scorecard in rows
        ]


def find_processed(
    db: Database, content_hash: str, settings_hash: str, *, include_failed: bool = False
) -> str | None:
    """The call_id of a call already processed from the same recording (``content_hash``)
    with the same settings (``settings_hash``), or None.

    Failed calls are not returned unless ``include_failed``: a failure may come from
    something fixed since (a missing model, a full disk), so it is worth another try.
    """
    with database_errors(db, "look up processed calls"), db.session() as session:
        query = select(CallRow.call_id).where(
            CallRow.content_hash == content_hash, CallRow.settings_hash == settings_hash
        )
        if not include_failed:
            query = query.where(CallRow.status == CallStatus.OK.value)
        # a duplicate's row holds no results of its own
        query = query.where(CallRow.duplicate_of.is_(None))
        return session.scalars(query.order_by(CallRow.id).limit(1)).first()


@dataclass(frozen=True)
class StoredIdentity:
    """What identifies a stored call: where its recording was, its content, and the call
    it is a copy of (None: it holds its own results)."""

    call_id: str
    source: str
    content_hash: str
    duplicate_of: str | None


def stored_identity(db: Database, call_id: str) -> StoredIdentity | None:
    """The identity stored under ``call_id``, or None when no such call is stored."""
    with database_errors(db, f"look up call {call_id!r}"), db.session() as session:
        row = session.execute(
            select(CallRow.source, CallRow.content_hash, CallRow.duplicate_of).where(CallRow.call_id == call_id)
        ).one_or_none()
        return None if row is None else StoredIdentity(call_id, row.source, row.content_hash, row.duplicate_of)


def find_original(db: Database, content_hash: str) -> tuple[str, CallStatus] | None:
    """(call_id, status) of the stored call holding the results of the recording with
    this ``content_hash``, whatever its settings: the first such call (not itself a
    duplicate), an ok one before a failed one; None when there is none."""
    with database_errors(db, "look up calls by content"), db.session() as session:
        row = session.execute(
            select(CallRow.call_id, CallRow.status)
            .where(CallRow.content_hash == content_hash, CallRow.duplicate_of.is_(None))
            .order_by((CallRow.status != CallStatus.OK.value), CallRow.id)
            .limit(1)
        ).first()
        return None if row is None else (row.call_id, CallStatus(row.status))


def record_duplicate(
    db: Database, call_id: str, source: str, content_hash: str, settings_hash: str, duplicate_of: str
) -> None:
    """Store ``call_id`` as an exact copy of the stored call ``duplicate_of``: a row of
    its own (so the recording is on record, under its own name) with the original's
    status, duration and layout, ``errors`` saying ``duplicate of <id>``, and no results
    (the original's stand for it). Results stored earlier under ``call_id`` (a stale
    failure) are removed. Raises :class:`NotFoundError` when ``duplicate_of`` is not stored."""
    with database_errors(db, f"record call {call_id!r} as a duplicate"), db.session() as session:
        with session.begin():
            original = session.scalars(select(CallRow).where(CallRow.call_id == duplicate_of)).one_or_none()
            if original is None:
                raise NotFoundError(f"No call {duplicate_of!r} in the database {db.url}.")
            call = session.scalars(
                select(CallRow).where(CallRow.call_id == call_id).with_for_update()
            ).one_or_none()
            before = daily.cells_of(session, db.dialect, [call.id]) if call is not None else set()
            if call is None:
                call = CallRow(call_id=call_id)
                session.add(call)
            else:
                for table in _RESULT_TABLES:
                    session.execute(delete(table).where(table.call_pk == call.id))
            call.source = source
            call.content_hash = content_hash
            call.settings_hash = settings_hash
            call.status = original.status
            call.errors = [f"duplicate of {duplicate_of}"]
            call.duration_s = original.duration_s
            call.channels = original.channels
            call.layout = original.layout
            call.language = original.language
            call.settings = {}
            call.processed_at = dt.datetime.now(dt.timezone.utc)
            call.duplicate_of = duplicate_of
            session.flush()
            if before:
                daily.refresh_cells(session, db.dialect, before)
    log.info("call %s is a duplicate of %s", call_id, duplicate_of)


def latest_verdicts(db: Database, call_id: str) -> dict[str, Verdict]:
    """The verdict in force per overridden item of ``call_id``: the most recently
    recorded override of each item (empty for an unknown call or one never overridden)."""
    with database_errors(db, f"read overrides of {call_id!r}"), db.session() as session:
        # Latest by id, not created_at: ids follow commit order even when the clock
        # steps back or two decisions land in the same microsecond.
        latest = (
            select(func.max(ItemOverrideRow.id))
            .join(CallRow, CallRow.id == ItemOverrideRow.call_pk)
            .where(CallRow.call_id == call_id)
            .group_by(ItemOverrideRow.item_id)
        )
        rows = session.execute(
            select(ItemOverrideRow.item_id, ItemOverrideRow.verdict).where(
                ItemOverrideRow.id.in_(latest)
            )
        )
        return {item_id: Verdict(verdict) for item_id, verdict in rows}


# --------------------------------------------------------------------------- domain -> rows


def _fill_call_row(call: CallRow, result: CallResult) -> None:
    call.duplicate_of = None  # results of its own from now on
    call.source = result.source
    call.content_hash = result.content_hash
    call.settings_hash = result.settings_hash
    call.status = CallStatus(result.status).value
    call.errors = list(result.errors)
    call.duration_s = float(result.duration_s)
    call.channels = int(result.channels)
    call.layout = Layout(result.layout).value if result.layout is not None else None
    call.language = result.language
    call.settings = _json_value(result.settings)
    call.processed_at = dt.datetime.now(dt.timezone.utc)


def _result_rows(call_pk: int, result: CallResult) -> list[Any]:
    rows: list[Any] = []
    rows += [
        SpeakerRow(
            call_pk=call_pk,
            position=i,
            label=s.label,
            role=Role(s.role).value,
            role_confidence=s.role_confidence,
            talk_s=s.talk_s,
        )
        for i, s in enumerate(result.speakers)
    ]
    rows += [
        UtteranceRow(
            call_pk=call_pk,
            position=i,
            start_s=u.start,
            end_s=u.end,
            speaker=u.speaker,
            role=Role(u.role).value,
            text=u.text,
            words=[
                {"start": w.start, "end": w.end, "text": w.text, "probability": w.probability}
                for w in u.words
            ],
        )
        for i, u in enumerate(result.utterances)
    ]
    rows += [
        TurnRow(
            call_pk=call_pk,
            position=i,
            start_s=t.start,
            end_s=t.end,
            speaker=t.speaker,
            role=Role(t.role).value,
            backchannel=t.backchannel,
        )
        for i, t in enumerate(result.turns)
    ]
    rows += [_event_row(call_pk, i, e) for i, e in enumerate(result.events)]
    rows += [
        CallMetricRow(
            call_pk=call_pk,
            name=name,
            position=i,
            value=None if value is None else float(value),
            is_integer=isinstance(value, int),
        )
        for i, (name, value) in enumerate(result.metrics.items())
    ]
    return rows


def _event_row(call_pk: int, position: int, event: Event) -> EventRow:
    return EventRow(
        call_pk=call_pk,
        position=position,
        type=EventType(event.type).value,
        start_s=event.start,
        end_s=event.end,
        details=event.details.to_dict(),
        source=event.source,
    )


def _scorecard_row(call_pk: int, scorecard: Scorecard) -> ScorecardRow:
    return ScorecardRow(
        call_pk=call_pk,
        rubric_id=scorecard.rubric_id,
        rubric_version=scorecard.rubric_version,
        score=scorecard.score,
        needs_review=scorecard.needs_review,
        sections=[{"id": s.id, "score": s.score, "weight": s.weight} for s in scorecard.sections],
    )


def _item_rows(scorecard_id: int, items: Iterable[ItemResult]) -> list[ItemResultRow]:
    return [
        ItemResultRow(
            scorecard_id=scorecard_id,
            position=i,
            item_id=item.id,
            section=item.section,
            verdict=Verdict(item.verdict).value,
            points=item.points,
            max_points=item.max_points,
            confidence=item.confidence,
            reason=item.reason,
            critical=item.critical,
            evidence=[
                {
                    "start": ev.start,
                    "end": ev.end,
                    "speaker": ev.speaker,
                    "role": Role(ev.role).value,
                    "quote": ev.quote,
                    "reason": ev.reason,
                }
                for ev in item.evidence
            ],
        )
        for i, item in enumerate(items)
    ]


def _json_value(value: Any) -> Any:
    """A JSON-ready copy of a settings/details value: mappings become dicts, tuples
    lists, enums their values (what json.dumps would otherwise refuse or alter)."""
    if isinstance(value, enum.Enum):
        return _json_value(value.value)
    if isinstance(value, Mapping):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    return value


# --------------------------------------------------------------------------- rows -> domain


def _speaker_from_row(row: SpeakerRow) -> SpeakerInfo:
    return SpeakerInfo(
        label=row.label, role=Role(row.role), role_confidence=row.role_confidence, talk_s=row.talk_s
    )


def _utterance_from_row(row: UtteranceRow) -> Utterance:
    return Utterance(
        start=row.start_s,
        end=row.end_s,
        speaker=row.speaker,
        role=Role(row.role),
        text=row.text,
        words=tuple(
            Word(start=w["start"], end=w["end"], text=w["text"], probability=w["probability"])
            for w in row.words
        ),
    )


def _turn_from_row(row: TurnRow) -> Turn:
    return Turn(
        start=row.start_s,
        end=row.end_s,
        speaker=row.speaker,
        role=Role(row.role),
        backchannel=row.backchannel,
    )


def _event_from_row(row: EventRow) -> Event:
    type_ = EventType(row.type)
    return Event(
        type=type_,
        start=row.start_s,
        end=row.end_s,
        details=DETAILS_TYPES[type_].from_dict(row.details),
        source=row.source,
    )


def _metrics_from_rows(rows: Iterable[CallMetricRow]) -> dict[str, float | int | None]:
    return {
        row.name: (
            None if row.value is None else int(row.value) if row.is_integer else row.value
        )
        for row in rows
    }


def _scorecard_from_rows(row: ScorecardRow, items: Iterable[ItemResultRow]) -> Scorecard:
    return Scorecard(
        rubric_id=row.rubric_id,
        rubric_version=row.rubric_version,
        score=row.score,
        needs_review=row.needs_review,
        sections=tuple(
            SectionScore(id=s["id"], score=s["score"], weight=s["weight"]) for s in row.sections
        ),
        items=tuple(
            ItemResult(
                id=item.item_id,
                section=item.section,
                verdict=Verdict(item.verdict),
                points=item.points,
                max_points=item.max_points,
                confidence=item.confidence,
                evidence=tuple(
                    Evidence(
                        start=ev["start"],
                        end=ev["end"],
                        speaker=ev["speaker"],
                        role=Role(ev["role"]),
                        quote=ev["quote"],
                        reason=ev["reason"],
                    )
                    for ev in item.evidence
                ),
                reason=item.reason,
                critical=item.critical,
            )
            for item in items
        ),
    )


# --------------------------------------------------------------------------- helpers


def _call_pk(session: Session, call_id: str) -> int | None:
    return session.scalar(select(CallRow.id).where(CallRow.call_id == call_id))
