"""Supervisor aggregates: timing and score metrics per agent, team and day.

One function, :func:`timing_summary`, used by the web app and the reports. The database
does the aggregation (one SELECT on SQLite and PostgreSQL alike); Python only divides
the totals of each output row into rates.

How calls are counted
---------------------
- Only ``ok`` calls feed the metrics, talk time and scores. Failed calls have nothing
  to measure; they are counted in ``failed_calls`` so a supervisor still sees them (an
  agent or a day whose recordings all failed appears with ``calls == 0``).
- The **day** of a call is the date of ``recorded_at`` (when the call took place, from
  the recorder or telephony metadata), falling back to ``processed_at`` when
  ``recorded_at`` is unknown (so a call never drops out of a day view). The fallback
  is only an approximation: calls processed nightly land on the next day, and
  re-processing moves them to the day of the latest run, so import ``recorded_at``
  (:func:`~call_qa.db.repository.set_call_metadata`). Dates are taken in UTC shifted by
  ``utc_offset`` (default: UTC), so ``utc_offset=timedelta(hours=7)`` gives days in WIB.
  Both times are stored in UTC, and the PostgreSQL session's own time zone plays no part.
- ``start`` and ``end`` are days, both inclusive, on the same day as above.
- Calls without an ``agent_id`` (or ``team``) form one group whose key is None; such
  groups come last. Keys that are not part of ``group_by`` are None in every row.
- A metric missing from a call (stored before the metric existed) counts as 0 in
  totals and longest values and is left out of the mean pace.

Rates
-----
- *per call*: total ÷ ok calls (None without ok calls).
- *per agent talk hour*: total ÷ the agent's talk hours (None when 0). Interruptions of
  both parties are normalised by the agent's talk time, since each row judges agents.
- ``overtalk_pct``: overtalk ÷ the duration of the ok calls, in percent.
- ``agent_wpm``: the agent's pace over all their talk in the group (each call's words
  per minute weighted by its agent talk time), not the plain mean of per-call paces,
  so a 30-second call weighs less than a 20-minute one.
- ``mean_score`` is the mean automatic score (``scorecards.score``, QA overrides not
  applied) over the ok calls that have one (``scored_calls``).
- ``items_awaiting_review``: rubric items whose verdict in force (the latest QA override,
  else the computed verdict) is ``needs_review``, so it falls as officers decide.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal, get_args

from sqlalchemy import case, func, select

from call_qa.db import daily
from call_qa.db.daily import CallDailyRow
from call_qa.db.engine import Database
from call_qa.db.models import CallRow
from call_qa.db.per_call import per_call_rows
from call_qa.db.rollup import ROLLUP_METRICS
from call_qa.db.session_utils import consistent_snapshot, database_errors

GroupBy = Literal["agent", "team", "day", "agent_day", "team_day"]
Source = Literal["auto", "daily", "calls"]

_GROUP_KEYS: dict[str, tuple[str, ...]] = {
    "agent": ("agent_id",),
    "team": ("team",),
    "day": ("day",),
    "agent_day": ("agent_id", "day"),
    "team_day": ("team", "day"),
}
assert set(_GROUP_KEYS) == set(get_args(GroupBy))

# call_metrics names (timing.compute_metrics) summed, or maxed, per group.
_SUMMED = daily.SUMMED
_LONGEST = daily.LONGEST
_METRICS = (*_SUMMED, *_LONGEST, "agent_wpm")
assert set(_METRICS) == set(ROLLUP_METRICS), "call_timing must mirror every aggregated metric"

_MAX_UTC_OFFSET = dt.timedelta(hours=14)


@dataclass(frozen=True)
class TimingSummaryRow:
    """Aggregates of one group (agent, team, day, or agent/team and day). See the
    module docstring for how each figure is defined."""

    # group keys: None when not grouped by that key, or for calls without one
    agent_id: str | None
    team: str | None
    day: dt.date | None

    calls: int  # ok calls: every figure below is over these
    failed_calls: int  # excluded from every figure below
    call_hours: float  # duration of the ok calls
    talk_hours: float  # agent + customer talk (overtalk counts for both)
    agent_talk_hours: float

    agent_interruptions: int
    agent_interruptions_per_call: float | None
    agent_interruptions_per_agent_talk_hour: float | None
    customer_interruptions: int
    customer_interruptions_per_call: float | None
    customer_interruptions_per_agent_talk_hour: float | None

    overtalk_s: float
    overtalk_pct: float | None  # of call time

    hold_count: int
    holds_per_call: float | None
    hold_total_s: float
    hold_longest_s: float
    hold_over_limit: int  # holds longer than hold_max_s
    hold_unannounced: int

    transfer_count: int
    transfers_per_call: float | None

    dead_air_count: int
    dead_air_per_call: float | None
    dead_air_total_s: float
    dead_air_longest_s: float

    agent_wpm: float | None  # talk-weighted
    scored_calls: int
    mean_score: float | None  # automatic score, overrides not applied
    items_awaiting_review: int


def timing_summary(
    db: Database,
    group_by: GroupBy,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    agent_id: str | None = None,
    team: str | None = None,
    utc_offset: dt.timedelta = dt.timedelta(0),
    source: Source = "auto",
) -> list[TimingSummaryRow]:
    """Timing and score aggregates of the stored calls, one row per group.

    ``group_by`` picks the groups: ``agent``, ``team``, ``day``, ``agent_day`` or
    ``team_day``. ``start``/``end`` (inclusive days), ``agent_id`` and ``team`` restrict
    the calls considered; ``utc_offset`` is the contact centre's offset from UTC used to
    cut days (e.g. ``timedelta(hours=7)`` for WIB). Groups without any call (ok or
    failed) in the selection have no row. Rows are ordered by their keys, None last.

    ``source``: ``daily`` sums the pre-aggregated cells of ``call_daily``
    (:mod:`call_qa.db.daily`; only at the offset they are cut at, else ValueError),
    ``calls`` computes from the calls themselves, ``auto`` (default) takes ``daily``
    whenever ``utc_offset`` is the cells' offset. Both give the same figures.
    """
    if group_by not in _GROUP_KEYS:
        raise ValueError(f"group_by must be one of {', '.join(_GROUP_KEYS)}, not {group_by!r}")
    if abs(utc_offset) > _MAX_UTC_OFFSET or utc_offset % dt.timedelta(minutes=1):
        raise ValueError(f"utc_offset must be whole minutes within ±14 h, not {utc_offset}")
    if source not in ("auto", "daily", "calls"):
        raise ValueError(f"source must be auto, daily or calls, not {source!r}")
    keys = _GROUP_KEYS[group_by]

    with database_errors(db, f"aggregate timing metrics per {group_by}"), db.session() as session:
        consistent_snapshot(db, session)
        use_daily = source == "daily"
        if source != "calls":
            cut = daily.stored_offset(session)
            if cut != utc_offset:
                if source == "daily":
                    raise ValueError(f"call_daily is cut at UTC offset {cut}, not {utc_offset}")
            else:
                use_daily = True
        if use_daily:
            query = _from_daily(keys, start, end, agent_id, team)
        else:
            conditions = []
            if agent_id is not None:
                conditions.append(CallRow.agent_id == agent_id)
            if team is not None:
                conditions.append(CallRow.team == team)
            per_call = per_call_rows(db.dialect, utc_offset, start, end, conditions)
            key_columns = [per_call.c[k] for k in keys]
            query = (
                select(*key_columns, *_totals(per_call))
                .group_by(*key_columns)
                .order_by(*(c.nulls_last() for c in key_columns))
            )
        return [_row(keys, row._mapping) for row in session.execute(query)]


def _from_daily(
    keys: tuple[str, ...], start: dt.date | None, end: dt.date | None, agent_id: str | None, team: str | None
) -> Any:
    """The groups summed from the cells of ``call_daily`` (same labels as _totals)."""
    cells = CallDailyRow.__table__
    key_columns = [cells.c[k] for k in keys]
    sums = [func.sum(cells.c[name]).label(name) for name in daily.TOTALS if name not in daily.LONGEST]
    query = (
        select(
            *key_columns,
            *sums,
            *(func.max(cells.c[name]).label(name) for name in daily.LONGEST),
            (func.sum(cells.c.score_sum) / func.nullif(func.sum(cells.c.scored_calls), 0)).label("mean_score"),
        )
        .group_by(*key_columns)
        .order_by(*(c.nulls_last() for c in key_columns))
    )
    if start is not None:
        query = query.where(cells.c.day >= start)
    if end is not None:
        query = query.where(cells.c.day <= end)
    if agent_id is not None:
        query = query.where(cells.c.agent_id == agent_id)
    if team is not None:
        query = query.where(cells.c.team == team)
    return query


# --------------------------------------------------------------------------- SQL


def _totals(pc: Any) -> list[Any]:
    def total(column: Any) -> Any:
        return func.coalesce(func.sum(column), 0.0)

    return [
        func.sum(pc.c.ok).label("calls"),
        (func.count() - func.sum(pc.c.ok)).label("failed_calls"),
        total(pc.c.duration_s).label("call_s"),
        *(total(pc.c[name]).label(name) for name in _SUMMED),
        *(func.coalesce(func.max(pc.c[name]), 0.0).label(name) for name in _LONGEST),
        total(pc.c.agent_wpm * pc.c.agent_talk_s).label("wpm_x_talk"),
        total(case((pc.c.agent_wpm.is_not(None), pc.c.agent_talk_s))).label("wpm_talk_s"),
        func.count(pc.c.score).label("scored_calls"),
        func.avg(pc.c.score).label("mean_score"),
        func.coalesce(func.sum(pc.c.awaiting_review), 0).label("items_awaiting_review"),
    ]


# --------------------------------------------------------------------------- rows


def _row(keys: tuple[str, ...], m: Any) -> TimingSummaryRow:
    calls = int(m["calls"])
    agent_talk_h = float(m["agent_talk_s"]) / 3600

    def count(name: str) -> int:
        return int(round(float(m[name])))

    def per_call(name: str) -> float | None:
        return count(name) / calls if calls else None

    def per_agent_hour(name: str) -> float | None:
        return count(name) / agent_talk_h if agent_talk_h > 0 else None

    call_s = float(m["call_s"])
    wpm_talk_s = float(m["wpm_talk_s"])
    mean_score = m["mean_score"]
    return TimingSummaryRow(
        agent_id=m["agent_id"] if "agent_id" in keys else None,
        team=m["team"] if "team" in keys else None,
        day=m["day"] if "day" in keys else None,
        calls=calls,
        failed_calls=int(m["failed_calls"]),
        call_hours=call_s / 3600,
        talk_hours=(float(m["agent_talk_s"]) + float(m["customer_talk_s"])) / 3600,
        agent_talk_hours=agent_talk_h,
        agent_interruptions=count("agent_interruptions"),
        agent_interruptions_per_call=per_call("agent_interruptions"),
        agent_interruptions_per_agent_talk_hour=per_agent_hour("agent_interruptions"),
        customer_interruptions=count("customer_interruptions"),
        customer_interruptions_per_call=per_call("customer_interruptions"),
        customer_interruptions_per_agent_talk_hour=per_agent_hour("customer_interruptions"),
        overtalk_s=float(m["overtalk_s"]),
        overtalk_pct=100 * float(m["overtalk_s"]) / call_s if call_s > 0 else None,
        hold_count=count("hold_count"),
        holds_per_call=per_call("hold_count"),
        hold_total_s=float(m["hold_total_s"]),
        hold_longest_s=float(m["hold_longest_s"]),
        hold_over_limit=count("hold_over_limit"),
        hold_unannounced=count("hold_unannounced"),
        transfer_count=count("transfer_count"),
        transfers_per_call=per_call("transfer_count"),
        dead_air_count=count("dead_air_count"),
        dead_air_per_call=per_call("dead_air_count"),
        dead_air_total_s=float(m["dead_air_total_s"]),
        dead_air_longest_s=float(m["dead_air_longest_s"]),
        agent_wpm=float(m["wpm_x_talk"]) / wpm_talk_s if wpm_talk_s > 0 else None,
        scored_calls=int(m["scored_calls"]),
        mean_score=float(mean_score) if mean_score is not None else None,
        items_awaiting_review=int(m["items_awaiting_review"]),
    )
