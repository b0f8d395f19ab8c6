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
  applied) over the ok calls that have one (``scored_calls``). The reviewed score
  (overrides applied) is the web layer's: :func:`decided_scorecards` gives the few
  decided calls to re-score with the rubric on top of these sums.
- ``items_awaiting_review``: rubric items whose verdict in force (the latest QA override,
  else the computed verdict) is ``needs_review``, so it falls as officers decide.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal, get_args

from sqlalchemy import case, func, select
from sqlalchemy.orm import aliased

from call_qa.db import daily
from call_qa.db.daily import CallDailyRow
from call_qa.db.engine import Database
from call_qa.db.models import CallRow, ItemOverrideRow, ItemResultRow, ScorecardRow
from call_qa.db.per_call import per_call_rows
from call_qa.db.rollup import ROLLUP_METRICS
from call_qa.db.session_utils import as_utc, consistent_snapshot, database_errors

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


# --------------------------------------------------------------------------- reviewed scores, distributions


@dataclass(frozen=True)
class DecidedCard:
    """A scored call with at least one officer's decision: what the web layer needs to
    re-score it (``call_qa.rubric``) with the verdicts in force."""

    call_id: str
    agent_id: str | None
    team: str | None
    day: dt.date  # local day (``utc_offset``)
    rubric_id: str
    score: float | None  # automatic
    items: tuple[tuple[str, str, bool], ...]  # (item_id, verdict in force, critical)


@dataclass(frozen=True)
class ScoreBins:
    """How many scored calls of one agent or team fall in each score band."""

    key: str | None
    counts: tuple[int, ...]  # one per band of SCORE_BANDS

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class ItemOutcome:
    """One item's verdicts in force over the calls of one team (or agent)."""

    key: str | None
    item_id: str
    section: str
    scored: int  # pass + partial + fail
    passed: int
    partial: int
    failed: int

    @property
    def fail_rate(self) -> float | None:
        return self.failed / self.scored if self.scored else None


# Score bands of the distribution: [low, high) but the last includes 100.
SCORE_BANDS: tuple[tuple[float, float], ...] = (
    (0, 50), (50, 60), (60, 70), (70, 80), (80, 90), (90, 100.0001))


def _call_range(query: Any, start: dt.date | None, end: dt.date | None, offset: dt.timedelta) -> Any:
    """Calls whose local day is within [start, end] (the expression index ``ix_calls_when``)."""
    when = func.coalesce(CallRow.recorded_at, CallRow.processed_at)
    if start is not None:
        query = query.where(when >= dt.datetime.combine(start, dt.time(), dt.timezone.utc) - offset)
    if end is not None:
        query = query.where(when < dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), dt.timezone.utc) - offset)
    return query


def _ids_in_range(query: Any, start: dt.date | None, end: dt.date | None, offset: dt.timedelta) -> Any:
    """Like :func:`_call_range`, as ``calls.id IN (...)``: a grouping join then starts
    from the expression index's range of calls instead of scanning the joined rows."""
    if start is None and end is None:
        return query
    inner = aliased(CallRow)
    when = func.coalesce(inner.recorded_at, inner.processed_at)
    ids = select(inner.id)
    if start is not None:
        ids = ids.where(when >= dt.datetime.combine(start, dt.time(), dt.timezone.utc) - offset)
    if end is not None:
        ids = ids.where(when < dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), dt.timezone.utc) - offset)
    return query.where(CallRow.id.in_(ids))


def _keyed(query: Any, agent_id: str | None, team: str | None) -> Any:
    if agent_id is not None:
        query = query.where(CallRow.agent_id == agent_id)
    if team is not None:
        query = query.where(CallRow.team == team)
    return query


def decided_scorecards(db: Database, *, start: dt.date | None = None, end: dt.date | None = None,
                       agent_id: str | None = None, team: str | None = None,
                       utc_offset: dt.timedelta = dt.timedelta(0)) -> list[DecidedCard]:
    """The scored ok calls of the period with at least one QA decision, each with its
    items' verdicts in force (the latest decision, else the computed verdict). Few
    calls carry decisions, so the reviewed score of a group is the automatic one with
    these re-scored on top."""
    with database_errors(db, "read decided scorecards"), db.session() as session:
        calls_q = (
            select(CallRow.id, CallRow.call_id, CallRow.agent_id, CallRow.team,
                   func.coalesce(CallRow.recorded_at, CallRow.processed_at), ScorecardRow.id, ScorecardRow.score,
                   ScorecardRow.rubric_id)
            .join(ScorecardRow, ScorecardRow.call_pk == CallRow.id)
            .where(CallRow.status == "ok", CallRow.id.in_(select(ItemOverrideRow.call_pk).distinct()))
        )
        calls = session.execute(_keyed(_call_range(calls_q, start, end, utc_offset), agent_id, team)).all()
        if not calls:
            return []
        pks = [c[0] for c in calls]
        items: dict[int, list[tuple[str, str, bool]]] = {}
        decisions: dict[tuple[int, str], str] = {}
        for chunk in range(0, len(pks), 500):
            part = pks[chunk:chunk + 500]
            for pk, item_id, verdict, critical in session.execute(
                    select(ScorecardRow.call_pk, ItemResultRow.item_id, ItemResultRow.verdict, ItemResultRow.critical)
                    .join(ItemResultRow, ItemResultRow.scorecard_id == ScorecardRow.id)
                    .where(ScorecardRow.call_pk.in_(part)).order_by(ItemResultRow.position)):
                items.setdefault(pk, []).append((item_id, verdict, bool(critical)))
            for pk, item_id, verdict in session.execute(
                    select(ItemOverrideRow.call_pk, ItemOverrideRow.item_id, ItemOverrideRow.verdict)
                    .where(ItemOverrideRow.call_pk.in_(part)).order_by(ItemOverrideRow.id)):
                decisions[(pk, item_id)] = verdict  # ordered by id: the last one stays
    out = []
    for pk, call_id, agent, team_, when, _card, score, rubric_id in calls:
        day = (as_utc(when) + utc_offset).date()
        in_force = tuple((i, decisions.get((pk, i), v), c) for i, v, c in items.get(pk, []))
        out.append(DecidedCard(call_id, agent, team_, day, rubric_id, score, in_force))
    return out


def score_distribution(db: Database, by: Literal["agent", "team"], *, start: dt.date | None = None,
                       end: dt.date | None = None, team: str | None = None,
                       utc_offset: dt.timedelta = dt.timedelta(0)) -> list[ScoreBins]:
    """Scored ok calls per agent (or team) and automatic score band (:data:`SCORE_BANDS`)."""
    key = CallRow.agent_id if by == "agent" else CallRow.team
    band = case(*((ScorecardRow.score < high, i) for i, (_, high) in enumerate(SCORE_BANDS[:-1])),
                else_=len(SCORE_BANDS) - 1)
    query = (
        select(key, band.label("band"), func.count())
        .join(ScorecardRow, ScorecardRow.call_pk == CallRow.id)
        .where(CallRow.status == "ok", ScorecardRow.score.is_not(None))
        .group_by(key, band)
    )
    with database_errors(db, f"score distribution per {by}"), db.session() as session:
        rows = session.execute(_keyed(_ids_in_range(query, start, end, utc_offset), None, team)).all()
    counts: dict[str | None, list[int]] = {}
    for k, b, n in rows:
        counts.setdefault(k, [0] * len(SCORE_BANDS))[int(b)] += int(n)
    return [ScoreBins(k, tuple(v)) for k, v in sorted(counts.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))]


def item_outcomes(db: Database, by: Literal["agent", "team"], *, start: dt.date | None = None,
                  end: dt.date | None = None, utc_offset: dt.timedelta = dt.timedelta(0)) -> list[ItemOutcome]:
    """Per team (or agent) and item: how often the verdict in force was pass, partial,
    fail. Counted from the computed verdicts, then corrected for the few decided
    items (latest decision), as the coaching list does."""
    key = CallRow.agent_id if by == "agent" else CallRow.team
    query = (
        select(key, ItemResultRow.item_id, ItemResultRow.section, ItemResultRow.verdict, func.count())
        .join(ScorecardRow, ScorecardRow.call_pk == CallRow.id)
        .join(ItemResultRow, ItemResultRow.scorecard_id == ScorecardRow.id)
        .where(CallRow.status == "ok", ItemResultRow.verdict.in_(("pass", "partial", "fail")))
        .group_by(key, ItemResultRow.item_id, ItemResultRow.section, ItemResultRow.verdict)
    )
    decided_q = (
        select(CallRow.id, key, ItemResultRow.item_id, ItemResultRow.verdict)
        .join(ScorecardRow, ScorecardRow.call_pk == CallRow.id)
        .join(ItemResultRow, ItemResultRow.scorecard_id == ScorecardRow.id)
        .where(CallRow.status == "ok", CallRow.id.in_(select(ItemOverrideRow.call_pk).distinct()))
    )
    with database_errors(db, f"item outcomes per {by}"), db.session() as session:
        slots = {"pass": 1, "partial": 2, "fail": 3}
        totals: dict[tuple[Any, str], list[Any]] = {}
        for k, i, section, v, n in session.execute(_ids_in_range(query, start, end, utc_offset)):
            totals.setdefault((k, i), [section, 0, 0, 0])[slots[v]] += int(n)
        decided_items = session.execute(_ids_in_range(decided_q, start, end, utc_offset)).all()
        latest: dict[tuple[int, str], str] = {}
        pks = sorted({r[0] for r in decided_items})
        for chunk in range(0, len(pks), 500):
            for pk, item_id, v in session.execute(
                    select(ItemOverrideRow.call_pk, ItemOverrideRow.item_id, ItemOverrideRow.verdict)
                    .where(ItemOverrideRow.call_pk.in_(pks[chunk:chunk + 500])).order_by(ItemOverrideRow.id)):
                latest[(pk, item_id)] = v
    slot = {"pass": 1, "partial": 2, "fail": 3}
    for pk, k, item_id, computed in decided_items:
        now = latest.get((pk, item_id))
        if now is None or now == computed or (k, item_id) not in totals:
            continue
        t = totals[(k, item_id)]
        if computed in slot:
            t[slot[computed]] -= 1
        if now in slot:
            t[slot[now]] += 1
    out = [ItemOutcome(k, i, t[0], t[1] + t[2] + t[3], t[1], t[2], t[3]) for (k, i), t in totals.items()]
    out.sort(key=lambda o: (o.key is None, o.key or "", -(o.fail_rate or 0.0), o.item_id))
    return out
