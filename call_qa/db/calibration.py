"""Calibration sessions (issue 16.4): a supervisor picks calls and officers; each
officer scores every item of every call blind; the session's page compares them.

Tables (migration ``0011``)
---------------------------
``calibration_sessions``  name, who made it, when.
``calibration_members``   the officers (usernames) of a session.
``calibration_calls``     the calls of a session.
``calibration_scores``    one officer's verdict on one item of one call of a session
                          (kept apart from ``item_overrides``: a calibration score
                          never changes the call's scorecard).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Mapping, Sequence

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from call_qa.db.engine import Database
from call_qa.db.errors import NotFoundError
from call_qa.db.models import Base, CallRow, ItemResultRow, ScorecardRow
from call_qa.db.session_utils import as_utc, database_errors
from call_qa.domain import Verdict


class CalibrationSessionRow(Base):
    __tablename__ = "calibration_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column()


class CalibrationMemberRow(Base):
    __tablename__ = "calibration_members"

    session_id: Mapped[int] = mapped_column(ForeignKey("calibration_sessions.id", ondelete="CASCADE"),
                                            primary_key=True)
    user_name: Mapped[str] = mapped_column(String(128), primary_key=True)


class CalibrationCallRow(Base):
    __tablename__ = "calibration_calls"

    session_id: Mapped[int] = mapped_column(ForeignKey("calibration_sessions.id", ondelete="CASCADE"),
                                            primary_key=True)
    call_pk: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True)


class CalibrationScoreRow(Base):
    __tablename__ = "calibration_scores"
    __table_args__ = (UniqueConstraint("session_id", "call_pk", "item_id", "user_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("calibration_sessions.id", ondelete="CASCADE"))
    call_pk: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(String(128))
    user_name: Mapped[str] = mapped_column(String(128))
    verdict: Mapped[str] = mapped_column(String(16))
    at: Mapped[dt.datetime] = mapped_column()


@dataclass(frozen=True)
class CalibrationSession:
    id: int
    name: str
    created_by: str
    created_at: dt.datetime
    officers: tuple[str, ...]
    calls: tuple[str, ...]  # call ids, as picked


@dataclass(frozen=True)
class CalibrationData:
    """What the comparison needs: per (call, item) the machine's verdict and each
    officer's score."""

    session: CalibrationSession
    items: tuple[tuple[str, str], ...]  # (item_id, section) in scorecard order
    machine: Mapping[tuple[str, str], Verdict]  # (call_id, item_id) → computed verdict
    scores: Mapping[tuple[str, str], Mapping[str, Verdict]]  # (call_id, item_id) → officer → verdict


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def create_session(db: Database, name: str, created_by: str, call_ids: Sequence[str],
                   officers: Sequence[str]) -> CalibrationSession:
    """A new session of the scored calls ``call_ids`` for ``officers``.
    :class:`NotFoundError` names a call that is not stored or has no scorecard."""
    call_ids = list(dict.fromkeys(c for c in call_ids if c))
    officers = list(dict.fromkeys(o for o in officers if o))
    if not call_ids or len(officers) < 2:
        raise ValueError(("A calibration session needs at least one call and two officers."))
    with database_errors(db, "create a calibration session"), db.session() as session, session.begin():
        pks = dict(session.execute(
            select(CallRow.call_id, CallRow.id).join(ScorecardRow, ScorecardRow.call_pk == CallRow.id)
            .where(CallRow.call_id.in_(call_ids))).all())
        missing = [c for c in call_ids if c not in pks]
        if missing:
            raise NotFoundError(("No scored call {missing[0]!r} in the database.").format(missing=missing))
        row = CalibrationSessionRow(name=name.strip()[:200] or "calibration", created_by=created_by,
                                    created_at=_now())
        session.add(row)
        session.flush()
        session.add_all([CalibrationMemberRow(session_id=row.id, user_name=o) for o in officers])
        session.add_all([CalibrationCallRow(session_id=row.id, call_pk=pks[c]) for c in call_ids])
        return CalibrationSession(row.id, row.name, created_by, row.created_at, tuple(officers), tuple(call_ids))


def _session(session: object, session_id: int) -> CalibrationSession:
    row = session.get(CalibrationSessionRow, session_id)  # type: ignore[attr-defined]
    if row is None:
        raise NotFoundError(("No calibration session {session_id}.").format(session_id=session_id))
    officers = session.scalars(select(CalibrationMemberRow.user_name)  # type: ignore[attr-defined]
                               .where(CalibrationMemberRow.session_id == session_id)
                               .order_by(CalibrationMemberRow.user_name)).all()
    calls = session.scalars(select(CallRow.call_id).join(CalibrationCallRow, CalibrationCallRow.call_pk == CallRow.id)  # type: ignore[attr-defined]
                            .where(CalibrationCallRow.session_id == session_id).order_by(CallRow.call_id)).all()
    return CalibrationSession(row.id, row.name, row.created_by, as_utc(row.created_at), tuple(officers), tuple(calls))


def get_session(db: Database, session_id: int) -> CalibrationSession:
    """One session; :class:`NotFoundError` when there is none."""
    with database_errors(db, f"read calibration session {session_id}"), db.session() as session:
        return _session(session, session_id)


def list_sessions(db: Database, *, officer: str | None = None, limit: int = 100) -> list[CalibrationSession]:
    """Sessions, newest first; only those ``officer`` belongs to when given."""
    with database_errors(db, "list calibration sessions"), db.session() as session:
        query = select(CalibrationSessionRow.id).order_by(CalibrationSessionRow.id.desc()).limit(limit)
        if officer is not None:
            query = query.join(CalibrationMemberRow, CalibrationMemberRow.session_id == CalibrationSessionRow.id) \
                .where(CalibrationMemberRow.user_name == officer)
        return [_session(session, i) for i in session.scalars(query).all()]


def record_scores(db: Database, session_id: int, officer: str, call_id: str,
                  verdicts: Mapping[str, Verdict | str]) -> None:
    """``officer``'s verdicts on items of ``call_id`` in the session (replacing their
    earlier ones of those items)."""
    with database_errors(db, f"record calibration scores of {officer!r}"), db.session() as session, session.begin():
        cal = _session(session, session_id)
        if officer not in cal.officers:
            raise PermissionError(f"{officer} is not an officer of this calibration session.")
        if call_id not in cal.calls:
            raise NotFoundError(("Call {call_id!r} is not in this calibration session.").format(call_id=call_id))
        call_pk = session.scalar(select(CallRow.id).where(CallRow.call_id == call_id))
        items = set(session.scalars(select(ItemResultRow.item_id).join(ScorecardRow, ScorecardRow.id == ItemResultRow.scorecard_id)
                                    .where(ScorecardRow.call_pk == call_pk)).all())
        unknown = sorted(set(verdicts) - items)
        if unknown:
            raise NotFoundError(("The scorecard of {call_id!r} has no item {unknown[0]!r}.").format(call_id=call_id, unknown=unknown))
        clean = {k: Verdict(v) for k, v in verdicts.items()}
        session.execute(delete(CalibrationScoreRow).where(
            CalibrationScoreRow.session_id == session_id, CalibrationScoreRow.call_pk == call_pk,
            CalibrationScoreRow.user_name == officer, CalibrationScoreRow.item_id.in_(list(clean))))
        now = _now()
        session.add_all([CalibrationScoreRow(session_id=session_id, call_pk=call_pk, item_id=k, user_name=officer,
                                             verdict=v.value, at=now) for k, v in clean.items()])


def own_scores(db: Database, session_id: int, officer: str) -> dict[tuple[str, str], Verdict]:
    """``officer``'s own scores of the session: (call_id, item_id) → verdict."""
    with database_errors(db, "read calibration scores"), db.session() as session:
        rows = session.execute(
            select(CallRow.call_id, CalibrationScoreRow.item_id, CalibrationScoreRow.verdict)
            .join(CallRow, CallRow.id == CalibrationScoreRow.call_pk)
            .where(CalibrationScoreRow.session_id == session_id, CalibrationScoreRow.user_name == officer))
        return {(c, i): Verdict(v) for c, i, v in rows}


def session_items(db: Database, session_id: int) -> dict[str, list[tuple[str, str]]]:
    """Per call of the session its items (item_id, section), in scorecard order —
    without the machine's verdicts (what a blind scorer may see)."""
    with database_errors(db, "read calibration items"), db.session() as session:
        rows = session.execute(
            select(CallRow.call_id, ItemResultRow.item_id, ItemResultRow.section)
            .join(CalibrationCallRow, CalibrationCallRow.call_pk == CallRow.id)
            .join(ScorecardRow, ScorecardRow.call_pk == CallRow.id)
            .join(ItemResultRow, ItemResultRow.scorecard_id == ScorecardRow.id)
            .where(CalibrationCallRow.session_id == session_id)
            .order_by(CallRow.call_id, ItemResultRow.position))
        out: dict[str, list[tuple[str, str]]] = {}
        for c, i, s in rows:
            out.setdefault(c, []).append((i, s))
        return out


def calibration_data(db: Database, session_id: int) -> CalibrationData:
    """Everything the comparison page needs (the machine's verdicts included)."""
    with database_errors(db, f"read calibration session {session_id}"), db.session() as session:
        cal = _session(session, session_id)
        rows = session.execute(
            select(CallRow.call_id, ItemResultRow.item_id, ItemResultRow.section, ItemResultRow.verdict)
            .join(CalibrationCallRow, CalibrationCallRow.call_pk == CallRow.id)
            .join(ScorecardRow, ScorecardRow.call_pk == CallRow.id)
            .join(ItemResultRow, ItemResultRow.scorecard_id == ScorecardRow.id)
            .where(CalibrationCallRow.session_id == session_id)
            .order_by(CallRow.call_id, ItemResultRow.position)).all()
        scores = session.execute(
            select(CallRow.call_id, CalibrationScoreRow.item_id, CalibrationScoreRow.user_name,
                   CalibrationScoreRow.verdict)
            .join(CallRow, CallRow.id == CalibrationScoreRow.call_pk)
            .where(CalibrationScoreRow.session_id == session_id)).all()
    items = tuple(dict.fromkeys((i, s) for _, i, s, _ in rows))
    machine = {(c, i): Verdict(v) for c, i, _, v in rows}
    by_key: dict[tuple[str, str], dict[str, Verdict]] = {}
    for c, i, u, v in scores:
        by_key.setdefault((c, i), {})[u] = Verdict(v)
    return CalibrationData(cal, items, machine, by_key)


def scored_count(db: Database, session_id: int) -> dict[str, int]:
    """How many item scores each officer of the session has recorded."""
    with database_errors(db, "count calibration scores"), db.session() as session:
        rows = session.execute(select(CalibrationScoreRow.user_name, func.count())
                               .where(CalibrationScoreRow.session_id == session_id)
                               .group_by(CalibrationScoreRow.user_name))
        return {u: n for u, n in rows}
