"""``call_daily``: the supervisor aggregates pre-summed per agent, team and day (issue #7).

The dashboard sums timing metrics and scores over thousands of calls per request; at
100,000 calls even the one-row-per-call ``call_timing`` left a 90-day dashboard at
~700 ms CPU. This table holds, per cell (local day, agent, team of the calls), the
totals :func:`call_qa.db.aggregates.timing_summary` needs, so a dashboard sums a few
thousand small rows instead of joining calls, scorecards and metrics.

    calls ─┬─ call_timing ─┬─ scorecards (+ item_results / item_overrides: items awaiting review)
           └───────────────┘
                 │  GROUP BY day (at the rollup's UTC offset), agent_id, team
                 ▼
    call_daily(day, agent_id, team, calls, failed_calls, call_s, <sums>, <longest>, score_sum, ...)

Kept in step in Python, inside the write's own transaction: every repository function
that changes what a cell sums (:func:`~call_qa.db.repository.save_call_result` —
also the web app's role swap —, :func:`~call_qa.db.repository.add_override`,
:func:`~call_qa.db.repository.set_call_metadata`,
:func:`~call_qa.db.repository.delete_call`) calls :func:`refresh_cells` for the cells
of the call before and after the change. A cell is recomputed from the base tables
(delete, then ``INSERT ... SELECT`` of the same aggregate), never patched with deltas,
so it is always exactly what a direct computation gives. Rows written by hand in SQL
(or by :mod:`call_qa.db.bulk`) bypass this: run :func:`rebuild` afterwards.

Days depend on the contact centre's UTC offset (``web.utc_offset_minutes``). The table
is cut at one offset, stored in ``call_daily_settings`` (migration 0004: 420 min, WIB);
``timing_summary`` reads the table only when asked for that offset and otherwise
computes from the calls, and the web app calls :func:`ensure_offset` at start-up, which
rebuilds the table when its configured offset differs.

On PostgreSQL two transactions refreshing the same cell are serialised by a
transaction-level advisory lock per cell (otherwise both could insert it); SQLite
serialises writers anyway.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Iterable

from sqlalchemy import Date, Index, Integer, String, case, delete, func, insert, select, text, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from call_qa.db.models import Base, CallRow
from call_qa.db.per_call import local_day, per_call_rows
from call_qa.db.rollup import LONGEST_METRICS, SUMMED_METRICS

log = logging.getLogger("call_qa")

#: Offset of the cells when nothing else was asked for (migration 0004): WIB.
DEFAULT_OFFSET_MINUTES = 420

#: call_metrics names summed per cell and then per group, and maxed (call_timing's lists).
SUMMED: tuple[str, ...] = SUMMED_METRICS
LONGEST: tuple[str, ...] = LONGEST_METRICS
#: Every aggregate column of a cell, in table order.
TOTALS: tuple[str, ...] = (
    "calls",
    "failed_calls",
    "call_s",
    *SUMMED,
    *LONGEST,
    "wpm_x_talk",
    "wpm_talk_s",
    "scored_calls",
    "score_sum",
    "items_awaiting_review",
)


class CallDailyRow(Base):
    """One cell: the ok and failed calls of one agent (and team) on one local day."""

    __tablename__ = "call_daily"
    __table_args__ = (
        Index(None, "day", "agent_id", "team"),
        Index(None, "agent_id", "day"),
        Index(None, "team", "day"),
    )

    # A surrogate key: agent_id and team may be NULL, which no primary key allows.
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date)
    agent_id: Mapped[str | None] = mapped_column(String(128))
    team: Mapped[str | None] = mapped_column(String(128))
    calls: Mapped[int] = mapped_column(Integer)  # ok calls
    failed_calls: Mapped[int] = mapped_column(Integer)
    call_s: Mapped[float] = mapped_column()  # duration of the ok calls
    agent_talk_s: Mapped[float] = mapped_column()
    customer_talk_s: Mapped[float] = mapped_column()
    overtalk_s: Mapped[float] = mapped_column()
    agent_interruptions: Mapped[float] = mapped_column()
    customer_interruptions: Mapped[float] = mapped_column()
    hold_count: Mapped[float] = mapped_column()
    hold_total_s: Mapped[float] = mapped_column()
    hold_over_limit: Mapped[float] = mapped_column()
    hold_unannounced: Mapped[float] = mapped_column()
    transfer_count: Mapped[float] = mapped_column()
    dead_air_count: Mapped[float] = mapped_column()
    dead_air_total_s: Mapped[float] = mapped_column()
    hold_longest_s: Mapped[float] = mapped_column()
    dead_air_longest_s: Mapped[float] = mapped_column()
    wpm_x_talk: Mapped[float] = mapped_column()  # Σ agent_wpm × agent_talk_s
    wpm_talk_s: Mapped[float] = mapped_column()  # Σ agent_talk_s of calls with a pace
    scored_calls: Mapped[int] = mapped_column(Integer)
    score_sum: Mapped[float] = mapped_column()
    items_awaiting_review: Mapped[int] = mapped_column(Integer)


class CallDailySettingsRow(Base):
    """The UTC offset the cells of ``call_daily`` are cut at (one row, id 1)."""

    __tablename__ = "call_daily_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    utc_offset_minutes: Mapped[int] = mapped_column(Integer)


assert tuple(c.name for c in CallDailyRow.__table__.columns)[4:] == TOTALS

# The calls of one agent-day (a cell's refresh); also the list filtered by agent.
Index(
    "ix_calls_agent_id_when",
    CallRow.__table__.c.agent_id,
    func.coalesce(CallRow.__table__.c.recorded_at, CallRow.__table__.c.processed_at),
)

Cell = tuple[str | None, str | None, dt.date]  # (agent_id, team, day)


# --------------------------------------------------------------------------- reading


def stored_offset(session: Session, *, lock: bool = False) -> dt.timedelta | None:
    """The offset the cells are cut at (None when the settings row is missing).

    ``lock`` (writers): on PostgreSQL the settings row is read ``FOR SHARE``, so a
    :func:`rebuild` at a new offset waits for the writes in flight, and a write
    starting during one waits for it and then sees the new offset; SQLite serialises
    writers anyway."""
    query = select(CallDailySettingsRow.utc_offset_minutes).where(CallDailySettingsRow.id == 1)
    if lock:
        query = query.with_for_update(read=True)
    minutes = session.scalar(query)
    return None if minutes is None else dt.timedelta(minutes=minutes)


def cells_of(session: Session, dialect: str, call_pks: Iterable[int]) -> set[Cell]:
    """The cells the given calls count in now (unknown ids give none)."""
    pks = list(call_pks)
    offset = stored_offset(session, lock=True)
    if not pks or offset is None:
        return set()
    day = local_day(dialect, func.coalesce(CallRow.recorded_at, CallRow.processed_at), offset)
    rows = session.execute(select(CallRow.agent_id, CallRow.team, day).where(CallRow.id.in_(pks)))
    return {(agent, team, _as_date(d)) for agent, team, d in rows}


# --------------------------------------------------------------------------- writing


def refresh_cells(session: Session, dialect: str, cells: Iterable[Cell]) -> None:
    """Recompute ``cells`` from the base tables, in the session's transaction."""
    wanted = sorted(set(cells), key=lambda c: (c[2], c[0] or "", c[0] is None, c[1] or "", c[1] is None))
    offset = stored_offset(session, lock=True)
    if not wanted or offset is None:
        return
    table = CallDailyRow.__table__
    for agent_id, team, day in wanted:
        if dialect == "postgresql":
            # Same-cell refreshes of concurrent transactions must not both insert it.
            session.execute(
                text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                {"key": f"call_daily|{day.isoformat()}|{agent_id!r}|{team!r}"},
            )
        session.execute(
            delete(table).where(
                table.c.day == day, _same(table.c.agent_id, agent_id), _same(table.c.team, team)
            )
        )
        conditions = [_same(CallRow.agent_id, agent_id), _same(CallRow.team, team)]
        session.execute(_insert_cells(dialect, offset, day, day, conditions))


def rebuild(session: Session, dialect: str, utc_offset: dt.timedelta | None = None) -> None:
    """Recompute every cell (at ``utc_offset``, else at the stored offset), in the
    session's transaction: after bulk loads, hand-written SQL, or a new offset."""
    if utc_offset is not None:
        _check_offset(utc_offset)
    settings = CallDailySettingsRow.__table__
    stored = stored_offset(session)
    offset = stored if utc_offset is None else utc_offset
    if offset is None:
        offset = dt.timedelta(minutes=DEFAULT_OFFSET_MINUTES)
    minutes = int(offset.total_seconds() // 60)
    # The settings row first (it waits for writers holding it FOR SHARE, see
    # stored_offset), then the table: the same order as a cell's refresh.
    if stored is None:
        session.execute(insert(settings).values(id=1, utc_offset_minutes=minutes))
    else:
        session.execute(update(settings).where(settings.c.id == 1).values(utc_offset_minutes=minutes))
    if dialect == "postgresql":
        # Refreshes of single cells wait; readers go on reading the old cells.
        session.execute(text("LOCK TABLE call_daily IN EXCLUSIVE MODE"))
    session.execute(delete(CallDailyRow.__table__))
    session.execute(_insert_cells(dialect, offset, None, None, []))


def _insert_cells(dialect: str, offset: dt.timedelta, start: dt.date | None, end: dt.date | None,
                  conditions: list[Any]) -> Any:
    """``INSERT INTO call_daily SELECT <cells>`` of the calls matching ``conditions``
    whose day is within [start, end]."""
    per_call = per_call_rows(dialect, offset, start, end, conditions)
    columns = cell_totals(per_call)
    query = select(per_call.c.day, per_call.c.agent_id, per_call.c.team, *columns).group_by(
        per_call.c.day, per_call.c.agent_id, per_call.c.team
    )
    return insert(CallDailyRow.__table__).from_select(["day", "agent_id", "team", *TOTALS], query)


def cell_totals(pc: Any) -> list[Any]:
    """The aggregate columns of a cell (:data:`TOTALS`, in order) over per-call rows
    (:func:`~call_qa.db.per_call.per_call_rows`)."""

    def total(column: Any) -> Any:
        return func.coalesce(func.sum(column), 0.0)

    return [
        func.coalesce(func.sum(pc.c.ok), 0).label("calls"),
        (func.count() - func.coalesce(func.sum(pc.c.ok), 0)).label("failed_calls"),
        total(pc.c.duration_s).label("call_s"),
        *(total(pc.c[name]).label(name) for name in SUMMED),
        *(func.coalesce(func.max(pc.c[name]), 0.0).label(name) for name in LONGEST),
        total(pc.c.agent_wpm * pc.c.agent_talk_s).label("wpm_x_talk"),
        total(case((pc.c.agent_wpm.is_not(None), pc.c.agent_talk_s))).label("wpm_talk_s"),
        func.count(pc.c.score).label("scored_calls"),
        total(pc.c.score).label("score_sum"),
        func.coalesce(func.sum(pc.c.awaiting_review), 0).label("items_awaiting_review"),
    ]


def _same(column: Any, value: str | None) -> Any:
    # "= NULL" is never true; a cell of calls without an agent is keyed by NULL.
    return column.is_(None) if value is None else column == value


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _check_offset(utc_offset: dt.timedelta) -> None:
    if abs(utc_offset) > dt.timedelta(hours=14) or utc_offset % dt.timedelta(minutes=1):
        raise ValueError(f"utc_offset must be whole minutes within ±14 h, not {utc_offset}")
