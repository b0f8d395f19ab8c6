"""The SQL of one row per stored call, with its local day: shared by the supervisor
aggregates (:mod:`call_qa.db.aggregates`, summed from the calls themselves) and the
pre-summed per-day cells (:mod:`call_qa.db.daily`), so both put a call on the same day
with the same figures.

    calls ─┬─ scorecards, item_results, item_overrides (items awaiting review)
           └─ call_timing (the metrics as one wide row)
                 ▼
    per_call_rows: id, agent_id, team, day, ok, duration_s, score, awaiting_review, <metrics>
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Sequence

from sqlalchemy import Date, Interval, and_, case, cast, exists, func, literal, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from call_qa.db.errors import DatabaseError
from call_qa.db.models import CallRow, ItemOverrideRow, ItemResultRow, ScorecardRow
from call_qa.db.rollup import ROLLUP_METRICS, CallTimingRow
from call_qa.domain import CallStatus, Verdict


def per_call_rows(
    dialect: str,
    utc_offset: dt.timedelta,
    start: dt.date | None,
    end: dt.date | None,
    conditions: Sequence[Any] = (),
) -> Any:
    """One row per selected call (``conditions`` on CallRow, and the day range): its
    keys, whether it is ok, and its metrics pivoted into columns (NULL for failed
    calls). Also the source of the cells of ``call_daily``."""
    ok = CallRow.status == CallStatus.OK.value
    day = local_day(dialect, func.coalesce(CallRow.recorded_at, CallRow.processed_at), utc_offset)

    # The verdict in force for an item: the latest override of (call, item), else computed.
    latest_override = (
        select(ItemOverrideRow.verdict)
        .where(
            ItemOverrideRow.call_pk == ScorecardRow.call_pk,
            ItemOverrideRow.item_id == ItemResultRow.item_id,
        )
        .order_by(ItemOverrideRow.id.desc())
        .limit(1)
        .correlate(ScorecardRow, ItemResultRow)
        .scalar_subquery()
    )
    awaiting_review = (
        select(func.count(ItemResultRow.id))
        .where(
            ItemResultRow.scorecard_id == ScorecardRow.id,
            func.coalesce(latest_override, ItemResultRow.verdict) == Verdict.NEEDS_REVIEW.value,
        )
        .correlate(ScorecardRow)
        .scalar_subquery()
    )
    # One wide row per call (call_timing, kept in step with call_metrics by triggers)
    # instead of pivoting ~15 call_metrics rows per call.
    pivot = [CallTimingRow.__table__.c[name].label(name) for name in ROLLUP_METRICS]
    query = (
        select(
            CallRow.id,
            CallRow.agent_id,
            CallRow.team,
            day.label("day"),
            case((ok, 1), else_=0).label("ok"),
            case((ok, CallRow.duration_s)).label("duration_s"),
            ScorecardRow.score.label("score"),
            # Most calls were never overridden: their count is the stored one, and the
            # per-item subquery runs only for calls with a decision (issue #7: the
            # dashboard's 300 ms on 100,000 calls).
            case(
                (
                    exists().where(ItemOverrideRow.call_pk == ScorecardRow.call_pk),
                    awaiting_review,
                ),
                else_=ScorecardRow.needs_review,
            ).label("awaiting_review"),
            *pivot,
        )
        .outerjoin(ScorecardRow, and_(ScorecardRow.call_pk == CallRow.id, ok))
        .outerjoin(CallTimingRow, and_(CallTimingRow.call_pk == CallRow.id, ok))
        # an exact copy of another call (batch duplicates) is that call, counted once
        .where(CallRow.duplicate_of.is_(None))
    )
    if start is not None:
        query = query.where(day >= start)
    if end is not None:
        query = query.where(day <= end)
    if start is not None or end is not None:
        # The same day range as a range on the stored UTC time, in a subquery so the
        # planner reads the expression index ix_calls_when (migration 0002) instead of
        # scanning every call for the GROUP BY; the day tests above stay exact.
        inner = aliased(CallRow)
        when = func.coalesce(inner.recorded_at, inner.processed_at)
        in_range = select(inner.id)
        if start is not None:
            in_range = in_range.where(when >= dt.datetime.combine(start, dt.time(), dt.timezone.utc) - utc_offset)
        if end is not None:
            in_range = in_range.where(
                when < dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), dt.timezone.utc) - utc_offset
            )
        query = query.where(CallRow.id.in_(in_range))
    for condition in conditions:
        query = query.where(condition)
    return query.subquery("per_call")


def local_day(dialect: str, timestamp: Any, utc_offset: dt.timedelta) -> ColumnElement[dt.date]:
    """The calendar date of a stored (UTC) timestamp, shifted by ``utc_offset``."""
    if dialect == "sqlite":
        # Stored as 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC; date() applies the modifier.
        seconds = int(utc_offset.total_seconds())
        return func.date(timestamp, f"{seconds:+d} seconds", type_=Date)
    if dialect == "postgresql":
        # timezone('UTC', timestamptz) is the UTC wall-clock time whatever the session's
        # TimeZone; a plain cast to date would follow the session's zone.
        shifted = timestamp + literal(utc_offset, Interval())
        return cast(func.timezone("UTC", shifted), Date)
    raise DatabaseError(f"Aggregates are not implemented for {dialect} (use SQLite or PostgreSQL).")
