"""Read queries of the web app: the calls list, the review queue, calibration,
coaching and knowledge-base gaps (issue #7).

Like the rest of ``call_qa.db`` these return small frozen dataclasses, never rows.

The *verdict in force* of an item is the latest QA override of (call, item) if any,
else the computed verdict; the review queue, coaching and knowledge-base figures use
it so they follow the officers' decisions. Days are cut like
:mod:`call_qa.db.aggregates`: ``recorded_at``, else ``processed_at``, shifted by
``utc_offset``; ``start``/``end`` are inclusive days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Iterable, Literal, Mapping, Sequence

from sqlalchemy import ARRAY, Index, Integer, and_, any_, bindparam, case, exists, func, or_, select
from sqlalchemy.orm import aliased

from call_qa.db import daily, search
from call_qa.db.daily import CallDailyRow
from call_qa.db.engine import Database
from call_qa.db.rollup import CallTimingRow
from call_qa.db.models import (
    CallMetricRow,
    CallRow,
    ItemOverrideRow,
    ItemResultRow,
    ScorecardRow,
    UtteranceRow,
)
from call_qa.db.repository import ItemOverride
from call_qa.db.session_utils import as_utc, consistent_snapshot, database_errors
from call_qa.db.workflow import CallClaimRow
from call_qa.domain import CallStatus, Role, Verdict

# Created with the web app's migration 0002: the review queue looks items up by
# verdict; the list's flags select calls by a metric's value.
Index("ix_item_results_verdict", ItemResultRow.__table__.c.verdict)
# Migration 0006: a call's item verdicts from the index alone (knowledge-base gaps, coaching).
Index(
    "ix_item_results_cover",
    *(ItemResultRow.__table__.c[name] for name in ("scorecard_id", "section", "verdict", "item_id", "position")),
)
Index(
    "ix_call_metrics_name_value_call_pk",
    CallMetricRow.__table__.c.name,
    CallMetricRow.__table__.c.value,
    CallMetricRow.__table__.c.call_pk,
)

SortKey = Literal["date", "score", "duration", "agent", "call_id", "review"]
SORT_KEYS: tuple[str, ...] = ("date", "score", "duration", "agent", "call_id", "review")
FLAGS: tuple[str, ...] = ("interruptions", "long_holds", "transfers", "needs_review", "failed")
#: The metric (call_timing column) a flag asks to be above 0.
FLAG_METRICS = {"interruptions": "agent_interruptions", "long_holds": "hold_over_limit", "transfers": "transfer_count"}
COUNT_CAP = 1000
EMAIL_RUBRIC = "email"  # the rubric id of emails scored by score-email (the channel filter)
LIST_METRICS: tuple[str, ...] = (
    "agent_interruptions",
    "customer_interruptions",
    "hold_count",
    "hold_over_limit",
    "transfer_count",
    "dead_air_count",
)
SOLUTION_SECTION = "solution"
PROBLEM_STATEMENT_ITEM = "probing"
PROBLEM_STATEMENT_REASON = "caller's problem statement"


# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class CallFilter:
    """What the calls list shows. Empty fields do not filter."""

    start: dt.date | None = None
    end: dt.date | None = None
    agent_id: str | None = None
    team: str | None = None
    score_min: float | None = None
    score_max: float | None = None
    flags: frozenset[str] = frozenset()  # of FLAGS
    text: str | None = None  # words in the transcript (or part of the call id)
    channel: str | None = None  # "phone", "email" (scored with the email rubric) or None: both
    utc_offset: dt.timedelta = dt.timedelta(0)


@dataclass(frozen=True)
class CallListRow:
    call_id: str
    status: CallStatus
    when: dt.datetime  # recorded_at, else processed_at (UTC)
    duration_s: float
    agent_id: str | None
    team: str | None
    language: str | None
    score: float | None
    needs_review: int | None
    errors: tuple[str, ...]
    metrics: Mapping[str, float | int | None]
    overrides: int  # QA decisions recorded on the call


@dataclass(frozen=True)
class CallPage:
    """One page of the list. ``total`` is exact up to :data:`COUNT_CAP`; beyond it
    ``capped`` is set and ``total`` is ``COUNT_CAP + 1``."""

    rows: tuple[CallListRow, ...]
    total: int
    page: int
    per_page: int
    capped: bool = False

    @property
    def pages(self) -> int | None:
        """Number of pages, or None when the count was capped (unknown)."""
        return None if self.capped else max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.capped or self.page * self.per_page < self.total


@dataclass(frozen=True)
class ReviewQueueItem:
    call_id: str
    item_id: str
    section: str
    confidence: float
    reason: str
    agent_id: str | None
    when: dt.datetime
    escalated: bool = False  # an officer decided needs_review: it stays until decided
    claimed_by: str | None = None  # the viewer's own running claim (others' are hidden)


@dataclass(frozen=True)
class CalibrationRow:
    """Agreement on one item (or overall, ``item_id`` None) between the computed
    verdict and officers' decisions. ``decided``: (call, item) pairs an officer decided
    in the period (latest decision each); ``machine_abstained``: of those, computed as
    needs_review (no machine verdict to agree with); ``agreed``: the decision equals a
    machine verdict."""

    item_id: str | None
    decided: int
    machine_abstained: int
    agreed: int
    changes: Mapping[str, int] = field(default_factory=dict)  # "fail→pass": count

    @property
    def judged(self) -> int:
        return self.decided - self.machine_abstained

    @property
    def agreement(self) -> float | None:
        return self.agreed / self.judged if self.judged else None


@dataclass(frozen=True)
class ItemRate:
    item_id: str
    scored: int  # calls where the item was pass/partial/fail (in force)
    rate: float  # mean verdict factor (pass 1, partial 0.5, fail 0)


@dataclass(frozen=True)
class CoachingRow:
    agent_id: str
    team: str | None
    calls: int
    mean_score: float
    weakest: tuple[ItemRate, ...]
    example_calls: tuple[tuple[str, float | None], ...]  # (call_id, score), lowest first


@dataclass(frozen=True)
class SolutionFailure:
    """A call one of whose solution items is failed (in force), with the caller's
    problem statement (the probing item's evidence, else the first customer words)."""

    call_id: str
    agent_id: str | None
    when: dt.datetime
    failed_items: tuple[str, ...]
    problem: str


# --------------------------------------------------------------------------- helpers


def _when() -> Any:
    return func.coalesce(CallRow.recorded_at, CallRow.processed_at)


def _range(
    query: Any, start: dt.date | None, end: dt.date | None, offset: dt.timedelta, calls: Any = CallRow
) -> Any:
    """Restrict to calls whose local day is within [start, end]: a range on the UTC
    time of the call (recorded_at, else processed_at), which the expression index
    ``ix_calls_when`` serves."""
    when = func.coalesce(calls.recorded_at, calls.processed_at)
    if start is not None:
        query = query.where(when >= dt.datetime.combine(start, dt.time(), dt.timezone.utc) - offset)
    if end is not None:
        query = query.where(when < dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), dt.timezone.utc) - offset)
    return query




def _in_range(query: Any, start: dt.date | None, end: dt.date | None, offset: dt.timedelta) -> Any:
    """Like :func:`_range`, as ``calls.id IN (...)`` over an alias: queries that join
    and group many rows then start from the expression index's range instead of
    scanning every call."""
    if start is None and end is None:
        return query
    inner = aliased(CallRow)
    return query.where(CallRow.id.in_(_range(select(inner.id), start, end, offset, inner)))


def _latest_override(call_pk: Any, item_id: Any) -> Any:
    return (
        select(ItemOverrideRow.verdict)
        .where(ItemOverrideRow.call_pk == call_pk, ItemOverrideRow.item_id == item_id)
        .order_by(ItemOverrideRow.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _in_force() -> Any:
    """The verdict in force of the ItemResultRow in the query (joined to ScorecardRow)."""
    return func.coalesce(_latest_override(ScorecardRow.call_pk, ItemResultRow.item_id), ItemResultRow.verdict)


def _factor(verdict: Any) -> Any:
    return case(
        (verdict == Verdict.PASS.value, 1.0),
        (verdict == Verdict.PARTIAL.value, 0.5),
        (verdict == Verdict.FAIL.value, 0.0),
    )


def _timing_above(tests: list[Any]) -> Any:
    # One primary-key probe of the call's call_timing row for all metric flags
    # together (the list walks calls newest first and stops after a page and the
    # capped count), instead of one IN list of call_metrics per flag.
    return exists().where(CallTimingRow.call_pk == CallRow.id, *tests)


def _awaiting_review() -> Any:
    """A computed needs_review item of the scorecard in the query that no decision
    has settled: no override, or the latest one is needs_review too (an escalation
    stays awaiting until decided, as the call page counts it)."""
    decided = (
        exists()
        .where(ItemOverrideRow.call_pk == ScorecardRow.call_pk, ItemOverrideRow.item_id == ItemResultRow.item_id)
        .correlate(ScorecardRow, ItemResultRow)
    )
    # Overrides are few: the plain "no decision" probe answers almost every item; the
    # latest-decision test runs only for the decided ones.
    decision, later = aliased(ItemOverrideRow), aliased(ItemOverrideRow)
    escalated = (
        exists()
        .where(
            decision.call_pk == ScorecardRow.call_pk,
            decision.item_id == ItemResultRow.item_id,
            decision.verdict == Verdict.NEEDS_REVIEW.value,
            ~exists().where(later.call_pk == decision.call_pk, later.item_id == decision.item_id,
                            later.id > decision.id),
        )
        .correlate(ScorecardRow, ItemResultRow)
    )
    return (
        exists()
        .where(
            ItemResultRow.scorecard_id == ScorecardRow.id,
            ItemResultRow.verdict == Verdict.NEEDS_REVIEW.value,
            or_(~decided, escalated),
        )
        .correlate(ScorecardRow)
    )


def _escalated_calls() -> Any:
    """call_pk of calls with an item whose latest decision is needs_review."""
    later = aliased(ItemOverrideRow)
    return select(ItemOverrideRow.call_pk).where(
        ItemOverrideRow.verdict == Verdict.NEEDS_REVIEW.value,
        ~exists().where(later.call_pk == ItemOverrideRow.call_pk, later.item_id == ItemOverrideRow.item_id,
                        later.id > ItemOverrideRow.id),
    )


def _decided_items(calls: Any, start: dt.date | None, end: dt.date | None, offset: dt.timedelta) -> Any:
    """``calls`` (a SELECT from CallRow) extended to the items of their scorecards that
    carry a QA decision: call_pk, call_id, when, item_id, position, section, the
    computed verdict and the decision in force (the latest override)."""
    latest = (
        select(ItemOverrideRow.call_pk, ItemOverrideRow.item_id, func.max(ItemOverrideRow.id).label("id"))
        .group_by(ItemOverrideRow.call_pk, ItemOverrideRow.item_id)
        .subquery("latest")
    )
    chosen = aliased(ItemOverrideRow)
    query = (
        calls.add_columns(
            CallRow.id.label("call_pk"),
            CallRow.call_id,
            _when().label("when"),
            ItemResultRow.item_id,
            ItemResultRow.position,
            ItemResultRow.section,
            ItemResultRow.verdict.label("computed"),
            chosen.verdict.label("decided"),
        )
        .join(ScorecardRow, ScorecardRow.call_pk == CallRow.id)
        .join(ItemResultRow, ItemResultRow.scorecard_id == ScorecardRow.id)
        .join(latest, and_(latest.c.call_pk == CallRow.id, latest.c.item_id == ItemResultRow.item_id))
        .join(chosen, chosen.id == latest.c.id)
    )
    return _in_range(query, start, end, offset)


# --------------------------------------------------------------------------- calls list


def list_call_page(
    db: Database,
    filters: CallFilter = CallFilter(),
    *,
    sort: str = "date",
    descending: bool = True,
    page: int = 1,
    per_page: int = 50,
) -> CallPage:
    """One page of the calls list with the filters applied, sorted by ``sort``
    (one of :data:`SORT_KEYS`), and the number of matching calls."""
    if sort not in SORT_KEYS:
        raise ValueError(f"sort must be one of {', '.join(SORT_KEYS)}, not {sort!r}")
    unknown = set(filters.flags) - set(FLAGS)
    if unknown:
        raise ValueError(f"unknown flag(s) {sorted(unknown)}; use {', '.join(FLAGS)}")
    page = max(1, page)
    per_page = min(max(1, per_page), 500)
    f = filters
    conditions: list[Any] = []
    if f.agent_id:
        conditions.append(CallRow.agent_id == f.agent_id)
    if f.team:
        conditions.append(CallRow.team == f.team)
    if f.channel is not None:
        card = aliased(ScorecardRow)
        is_email = exists().where(card.call_pk == CallRow.id, card.rubric_id == EMAIL_RUBRIC)
        conditions.append(is_email if f.channel == "email" else ~is_email)
    if f.score_min is not None:
        conditions.append(ScorecardRow.score >= f.score_min)
    if f.score_max is not None:
        conditions.append(ScorecardRow.score <= f.score_max)
    metric_flags = [CallTimingRow.__table__.c[FLAG_METRICS[flag]] > 0 for flag in FLAGS if flag in f.flags
                    and flag in FLAG_METRICS]
    if metric_flags:
        conditions.append(_timing_above(metric_flags))
    if "needs_review" in f.flags:
        # The stored count is a cheap first cut; the EXISTS drops calls whose items
        # officers have all decided since. Calls with an item an officer escalated
        # (latest decision needs_review) are awaiting too.
        conditions.append(or_(and_(ScorecardRow.needs_review > 0, _awaiting_review()),
                              CallRow.id.in_(_escalated_calls())))
    if "failed" in f.flags:
        conditions.append(CallRow.status == CallStatus.FAILED.value)
    if f.text and f.text.strip():
        # Call id or transcript, through the full-text indexes (call_qa/db/search.py).
        conditions.append(CallRow.id.in_(search.matching_calls(db.dialect, f.text.strip())))

    order_column = {
        "date": _when(),
        "score": ScorecardRow.score,
        "duration": CallRow.duration_s,
        "agent": CallRow.agent_id,
        "call_id": CallRow.call_id,
        "review": ScorecardRow.needs_review,
    }[sort]
    ordering = [order_column.desc().nulls_last() if descending else order_column.asc().nulls_last()]
    if sort != "call_id":
        ordering.append(CallRow.call_id.desc() if descending else CallRow.call_id.asc())

    base = select(CallRow.id)
    needs_scorecard = sort in ("score", "review") or any(
        x is not None for x in (f.score_min, f.score_max)
    ) or "needs_review" in f.flags
    if needs_scorecard:
        base = base.outerjoin(ScorecardRow, ScorecardRow.call_pk == CallRow.id)
    base = _range(base, f.start, f.end, f.utc_offset)
    for condition in conditions:
        base = base.where(condition)

    with database_errors(db, "list calls"), db.session() as session:
        consistent_snapshot(db, session)
        # Counting stops at COUNT_CAP: an exact count of a selective filter over
        # 100,000 calls costs more than the page itself ("1000+" is as useful).
        total = session.scalar(select(func.count()).select_from(base.limit(COUNT_CAP + 1).subquery())) or 0
        # Plain columns, not ORM objects: building entities cost more than the SQL.
        query = (
            select(
                CallRow.id,
                CallRow.call_id,
                CallRow.status,
                CallRow.recorded_at,
                CallRow.processed_at,
                CallRow.duration_s,
                CallRow.agent_id,
                CallRow.team,
                CallRow.language,
                CallRow.errors,
                ScorecardRow.score,
                ScorecardRow.needs_review,
            )
            .outerjoin(ScorecardRow, ScorecardRow.call_pk == CallRow.id)
            .order_by(*ordering)
        )
        if sort == "score":
            page_ids = _score_page(session, base, descending, (page - 1) * per_page, per_page)
            query = query.where(CallRow.id.in_(page_ids))
        else:
            query = query.where(
                CallRow.id.in_(base.order_by(*ordering).limit(per_page).offset((page - 1) * per_page))
            )
        found = session.execute(query).all()
        pks = [call.id for call in found]
        metrics: dict[int, dict[str, float | int | None]] = {pk: {} for pk in pks}
        overrides: dict[int, int] = {}
        if pks:
            for call_pk, name, value, is_integer in session.execute(
                select(CallMetricRow.call_pk, CallMetricRow.name, CallMetricRow.value, CallMetricRow.is_integer).where(
                    CallMetricRow.call_pk.in_(pks), CallMetricRow.name.in_(LIST_METRICS)
                )
            ):
                metrics[call_pk][name] = None if value is None else int(value) if is_integer else value
            overrides = dict(
                session.execute(
                    select(ItemOverrideRow.call_pk, func.count(ItemOverrideRow.id))
                    .where(ItemOverrideRow.call_pk.in_(pks))
                    .group_by(ItemOverrideRow.call_pk)
                ).all()
            )
        rows = tuple(
            CallListRow(
                call_id=call.call_id,
                status=CallStatus(call.status),
                when=as_utc(call.recorded_at or call.processed_at),
                duration_s=call.duration_s,
                agent_id=call.agent_id,
                team=call.team,
                language=call.language,
                score=call.score,
                needs_review=call.needs_review,
                errors=tuple(call.errors),
                metrics=metrics[call.id],
                overrides=overrides.get(call.id, 0),
            )
            for call in found
        )
    return CallPage(rows, int(total), page, per_page, capped=total > COUNT_CAP)


def _score_page(session: Any, base: Any, descending: bool, offset: int, limit: int) -> list[int]:
    """The ids of one page of ``base`` (joined to scorecards) by score, NULL scores
    last, then call id. In two parts, scored calls then the rest: ``NULLS LAST``
    keeps both databases from walking ``ix_scorecards_score`` and makes them sort
    every call for one page; a plain ORDER BY score walks the index and stops."""
    score, call_id = ScorecardRow.score, CallRow.call_id
    order = (score.desc(), call_id.desc()) if descending else (score.asc(), call_id.asc())
    scored = base.where(score.is_not(None))
    ids = list(session.scalars(scored.order_by(*order).limit(limit).offset(offset)))
    if len(ids) == limit:
        return ids
    # The page reaches past the scored calls: how many there are fixes where the
    # unscored ones start (known without counting when this page holds some).
    n_scored = offset + len(ids) if ids else (session.scalar(
        select(func.count()).select_from(scored.subquery())) or 0)
    unscored = base.where(score.is_(None)).order_by(call_id.desc() if descending else call_id.asc())
    return ids + list(session.scalars(unscored.limit(limit - len(ids)).offset(max(0, offset - n_scored))))


def count_calls(db: Database) -> int:
    """How many calls the database holds (ok and failed)."""
    with database_errors(db, "count calls"), db.session() as session:
        return session.scalar(select(func.count(CallRow.id))) or 0


def agents_and_teams(db: Database) -> tuple[list[str], list[str]]:
    """The distinct agent ids and teams of stored calls (for filter menus)."""
    with database_errors(db, "list agents and teams"), db.session() as session:
        agents = session.scalars(
            select(CallRow.agent_id).where(CallRow.agent_id.is_not(None)).distinct().order_by(CallRow.agent_id)
        ).all()
        teams = session.scalars(
            select(CallRow.team).where(CallRow.team.is_not(None)).distinct().order_by(CallRow.team)
        ).all()
    return list(agents), list(teams)


def call_context(db: Database, call_id: str) -> dict[str, Any] | None:
    """The metadata of one call not in :class:`~call_qa.domain.CallResult`: agent,
    team, recorded_at, processed_at. None for an unknown call."""
    with database_errors(db, f"read metadata of {call_id!r}"), db.session() as session:
        row = session.execute(
            select(CallRow.agent_id, CallRow.team, CallRow.recorded_at, CallRow.processed_at).where(
                CallRow.call_id == call_id
            )
        ).one_or_none()
    if row is None:
        return None
    return {
        "agent_id": row.agent_id,
        "team": row.team,
        "recorded_at": as_utc(row.recorded_at) if row.recorded_at else None,
        "processed_at": as_utc(row.processed_at),
    }


def call_source(db: Database, call_id: str) -> str | None:
    """The recording path stored for ``call_id`` (None for an unknown call)."""
    with database_errors(db, f"read the source of {call_id!r}"), db.session() as session:
        return session.scalar(select(CallRow.source).where(CallRow.call_id == call_id))


def override_history(db: Database, call_id: str) -> list[ItemOverride]:
    """Every QA decision recorded on ``call_id``, oldest first (the audit trail)."""
    with database_errors(db, f"read the overrides of {call_id!r}"), db.session() as session:
        rows = session.scalars(
            select(ItemOverrideRow)
            .join(CallRow, CallRow.id == ItemOverrideRow.call_pk)
            .where(CallRow.call_id == call_id)
            .order_by(ItemOverrideRow.id)
        )
        return [
            ItemOverride(r.id, call_id, r.item_id, Verdict(r.verdict), r.reason, r.user_name, as_utc(r.created_at))
            for r in rows
        ]


# --------------------------------------------------------------------------- review queue


def review_queue(
    db: Database, *, calls: int = 50, offset: int = 0, viewer: str | None = None, now: dt.datetime | None = None,
) -> tuple[list[ReviewQueueItem], int, bool]:
    """Items whose verdict in force is needs_review (computed and not decided, or
    escalated by an officer's needs_review decision), for one page of ``calls`` calls
    (newest first, from ``offset``), with the number of calls holding such items
    (exact up to :data:`COUNT_CAP`) and whether it was capped. With ``viewer``, calls
    another officer has claimed (claim not expired at ``now``) are left out, and the
    viewer's own claims are marked."""
    at = now or dt.datetime.now(dt.timezone.utc)
    waiting = (
        select(CallRow.id)
        .join(ScorecardRow, ScorecardRow.call_pk == CallRow.id)
        .where(or_(and_(ScorecardRow.needs_review > 0, _awaiting_review()), CallRow.id.in_(_escalated_calls())))
    )
    if viewer is not None:
        waiting = waiting.where(~exists().where(
            CallClaimRow.call_pk == CallRow.id, CallClaimRow.user_name != viewer, CallClaimRow.expires_at > at))
    latest = _latest_override(ScorecardRow.call_pk, ItemResultRow.item_id)
    in_force = func.coalesce(latest, ItemResultRow.verdict)
    own_claim = (
        select(CallClaimRow.user_name)
        .where(CallClaimRow.call_pk == CallRow.id, CallClaimRow.user_name == (viewer or ""), CallClaimRow.expires_at > at)
        .scalar_subquery()
    )
    with database_errors(db, "read the review queue"), db.session() as session:
        total = session.scalar(select(func.count()).select_from(waiting.limit(COUNT_CAP + 1).subquery())) or 0
        page = waiting.order_by(_when().desc(), CallRow.call_id).limit(calls).offset(offset)
        rows = session.execute(
            select(
                CallRow.call_id,
                ItemResultRow.item_id,
                ItemResultRow.section,
                ItemResultRow.confidence,
                ItemResultRow.reason,
                CallRow.agent_id,
                _when().label("when"),
                latest.label("decided"),
                own_claim.label("claimed_by"),
            )
            .join(ScorecardRow, ScorecardRow.id == ItemResultRow.scorecard_id)
            .join(CallRow, CallRow.id == ScorecardRow.call_pk)
            .where(CallRow.id.in_(page), in_force == Verdict.NEEDS_REVIEW.value)
            .order_by(_when().desc(), CallRow.call_id, ItemResultRow.position)
        ).all()
    items = [
        ReviewQueueItem(r.call_id, r.item_id, r.section, r.confidence, r.reason, r.agent_id, as_utc(r.when),
                        escalated=r.decided == Verdict.NEEDS_REVIEW.value, claimed_by=r.claimed_by)
        for r in rows
    ]
    return items, min(int(total), COUNT_CAP), total > COUNT_CAP


# --------------------------------------------------------------------------- calibration


def calibration(
    db: Database,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    utc_offset: dt.timedelta = dt.timedelta(0),
) -> tuple[CalibrationRow, list[CalibrationRow]]:
    """Agreement between computed verdicts and officers' decisions made in the
    period (by the day of the decision): overall, and per item (worst first).

    Each (call, item) counts once, with the latest decision in the period, compared
    with the computed verdict of the call's current scorecard.
    """
    query = (
        select(
            ItemOverrideRow.id,
            ItemOverrideRow.call_pk,
            ItemOverrideRow.item_id,
            ItemOverrideRow.verdict,
            ItemResultRow.verdict.label("auto"),
        )
        .join(ScorecardRow, ScorecardRow.call_pk == ItemOverrideRow.call_pk)
        .join(
            ItemResultRow,
            and_(ItemResultRow.scorecard_id == ScorecardRow.id, ItemResultRow.item_id == ItemOverrideRow.item_id),
        )
        .order_by(ItemOverrideRow.id)
    )
    if start is not None:
        query = query.where(
            ItemOverrideRow.created_at >= dt.datetime.combine(start, dt.time(), dt.timezone.utc) - utc_offset
        )
    if end is not None:
        query = query.where(
            ItemOverrideRow.created_at
            < dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), dt.timezone.utc) - utc_offset
        )
    with database_errors(db, "compute calibration"), db.session() as session:
        latest: dict[tuple[int, str], tuple[str, str]] = {}
        for _, call_pk, item_id, verdict, auto in session.execute(query):
            latest[(call_pk, item_id)] = (verdict, auto)

    def summarise(item_id: str | None, pairs: Iterable[tuple[str, str]]) -> CalibrationRow:
        decided = abstained = agreed = 0
        changes: dict[str, int] = {}
        for verdict, auto in pairs:
            decided += 1
            if auto == Verdict.NEEDS_REVIEW.value:
                abstained += 1
            elif auto == verdict:
                agreed += 1
            else:
                key = f"{auto}→{verdict}"
                changes[key] = changes.get(key, 0) + 1
        return CalibrationRow(item_id, decided, abstained, agreed, dict(sorted(changes.items())))

    per_item: dict[str, list[tuple[str, str]]] = {}
    for (_, item_id), pair in latest.items():
        per_item.setdefault(item_id, []).append(pair)
    rows = [summarise(item_id, pairs) for item_id, pairs in per_item.items()]
    rows.sort(key=lambda r: (r.agreement if r.agreement is not None else 2.0, r.item_id or ""))
    return summarise(None, latest.values()), rows


# --------------------------------------------------------------------------- coaching


def coaching_list(
    db: Database,
    standard: float,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    utc_offset: dt.timedelta = dt.timedelta(0),
    weakest: int = 3,
    examples: int = 3,
    min_calls: int = 1,
) -> list[CoachingRow]:
    """Agents whose mean score (automatic, over ok scored calls in the period) is
    under ``standard``, weakest first, each with the items they pass least often
    (verdicts in force) and their lowest-scoring calls."""
    ok = CallRow.status == CallStatus.OK.value
    with database_errors(db, "compute the coaching list"), db.session() as session:
        consistent_snapshot(db, session)
        if daily.stored_offset(session) == utc_offset:
            # The per-day totals (call_daily) hold each agent-day's scored calls and
            # score sum: the same mean without touching the calls.
            cells = CallDailyRow.__table__
            per_agent = (
                select(
                    cells.c.agent_id,
                    func.min(cells.c.team).label("team"),
                    func.sum(cells.c.scored_calls).label("calls"),
                    (func.sum(cells.c.score_sum) / func.sum(cells.c.scored_calls)).label("mean_score"),
                )
                .where(cells.c.agent_id.is_not(None), cells.c.scored_calls > 0)
                .group_by(cells.c.agent_id)
            )
            if start is not None:
                per_agent = per_agent.where(cells.c.day >= start)
            if end is not None:
                per_agent = per_agent.where(cells.c.day <= end)
        else:
            per_agent = (
                select(
                    CallRow.agent_id,
                    func.min(CallRow.team).label("team"),
                    func.count(ScorecardRow.id).label("calls"),
                    func.avg(ScorecardRow.score).label("mean_score"),
                )
                .join(ScorecardRow, ScorecardRow.call_pk == CallRow.id)
                .where(ok, CallRow.agent_id.is_not(None), ScorecardRow.score.is_not(None))
                .group_by(CallRow.agent_id)
            )
            per_agent = _in_range(per_agent, start, end, utc_offset)
        agents = [
            r
            for r in session.execute(per_agent).all()
            if r.mean_score is not None and float(r.mean_score) < standard and r.calls >= min_calls
        ]
        agents.sort(key=lambda r: float(r.mean_score))
        ids = [r.agent_id for r in agents]
        rates: dict[str, list[ItemRate]] = {}
        lows: dict[str, list[tuple[str, float | None]]] = {}
        if ids:
            # Item rates from the computed verdicts, then corrected for the (few)
            # items with a decision: the verdict in force without a correlated
            # lookup of item_overrides for each of tens of thousands of items.
            totals: dict[tuple[str, str], list[float]] = {}
            computed = _factor(ItemResultRow.verdict)
            item_query = (
                select(
                    CallRow.agent_id,
                    ItemResultRow.item_id,
                    func.coalesce(func.sum(computed), 0.0).label("points"),
                    func.count(computed).label("scored"),
                )
                .join(ScorecardRow, ScorecardRow.call_pk == CallRow.id)
                .join(ItemResultRow, ItemResultRow.scorecard_id == ScorecardRow.id)
                .where(ok, CallRow.agent_id.in_(ids))
                .group_by(CallRow.agent_id, ItemResultRow.item_id)
            )
            for r in session.connection().execute(_in_range(item_query, start, end, utc_offset)):
                totals[(r.agent_id, r.item_id)] = [float(r.points), int(r.scored)]
            decided = _decided_items(
                select(CallRow.agent_id).where(ok, CallRow.agent_id.in_(ids)), start, end, utc_offset
            )
            for r in session.execute(decided):
                entry = totals.setdefault((r.agent_id, r.item_id), [0.0, 0])
                for verdict, sign in ((r.computed, -1), (r.decided, 1)):
                    factor = Verdict(verdict).factor
                    if factor is not None:
                        entry[0] += sign * factor
                        entry[1] += sign
            for (agent_id, item_id), (points, scored) in sorted(totals.items()):
                if scored:
                    rates.setdefault(agent_id, []).append(ItemRate(item_id, scored, points / scored))
            ranked = (
                select(
                    CallRow.agent_id,
                    CallRow.call_id,
                    ScorecardRow.score,
                    func.row_number()
                    .over(partition_by=CallRow.agent_id, order_by=(ScorecardRow.score.asc(), CallRow.call_id))
                    .label("rank"),
                )
                .join(ScorecardRow, ScorecardRow.call_pk == CallRow.id)
                .where(ok, CallRow.agent_id.in_(ids), ScorecardRow.score.is_not(None))
            )
            ranked = _in_range(ranked, start, end, utc_offset).subquery()
            for r in session.execute(
                select(ranked.c.agent_id, ranked.c.call_id, ranked.c.score)
                .where(ranked.c.rank <= examples)
                .order_by(ranked.c.agent_id, ranked.c.rank)
            ):
                lows.setdefault(r.agent_id, []).append((r.call_id, r.score))
    return [
        CoachingRow(
            agent_id=r.agent_id,
            team=r.team,
            calls=int(r.calls),
            mean_score=float(r.mean_score),
            weakest=tuple(sorted(rates.get(r.agent_id, []), key=lambda x: (x.rate, x.item_id))[:weakest]),
            example_calls=tuple(lows.get(r.agent_id, [])),
        )
        for r in agents
    ]


# --------------------------------------------------------------------------- knowledge base


def solution_failures(
    db: Database,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    utc_offset: dt.timedelta = dt.timedelta(0),
    section: str = SOLUTION_SECTION,
    limit: int = 5000,
) -> list[SolutionFailure]:
    """Calls in the period with at least one item of ``section`` failed (in force),
    newest first, each with the caller's problem statement."""
    ok = CallRow.status == CallStatus.OK.value
    # The verdict in force is the computed one unless decided: the computed failures,
    # then the decided items of the section applied on top (a few percent of calls),
    # instead of a correlated lookup of item_overrides for every item.
    computed = (
        select(
            CallRow.id.label("call_pk"),
            CallRow.call_id,
            CallRow.agent_id,
            _when().label("when"),
            ItemResultRow.item_id,
            ItemResultRow.position,
        )
        .join(ScorecardRow, ScorecardRow.call_pk == CallRow.id)
        .join(ItemResultRow, ItemResultRow.scorecard_id == ScorecardRow.id)
        .where(ok, ItemResultRow.section == section, ItemResultRow.verdict == Verdict.FAIL.value)
    )
    decided = _decided_items(
        select(CallRow.agent_id).where(ok, ItemResultRow.section == section), start, end, utc_offset
    )
    with database_errors(db, "find failed solution items"), db.session() as session:
        consistent_snapshot(db, session)
        # Core execution on the session's connection: thousands of plain rows, and the
        # ORM's row handling cost more than the SQL.
        connection = session.connection()
        failing: dict[tuple[int, str], Any] = {
            (r.call_pk, r.item_id): r for r in connection.execute(_in_range(computed, start, end, utc_offset))
        }
        for r in connection.execute(decided):
            if r.decided == Verdict.FAIL.value:
                failing[(r.call_pk, r.item_id)] = r
            else:
                failing.pop((r.call_pk, r.item_id), None)
        calls: dict[int, dict[str, Any]] = {}
        for r in sorted(failing.values(), key=lambda r: (-as_utc(r.when).timestamp(), r.call_id, r.position)):
            if r.call_pk not in calls:
                if len(calls) >= limit:
                    continue
                calls[r.call_pk] = {"call_id": r.call_id, "agent_id": r.agent_id, "when": as_utc(r.when), "items": []}
            if r.call_pk in calls:
                calls[r.call_pk]["items"].append(r.item_id)
        problems: dict[int, str] = {}
        pks = list(calls)
        # SQLite binds at most ~1000 values per statement; PostgreSQL takes one array
        # (a list of thousands of bound values costs more to render than to run).
        size = 900 if db.dialect == "sqlite" else max(1, len(pks))
        for chunk in (pks[i : i + size] for i in range(0, len(pks), size)):
            if db.dialect == "postgresql":
                wanted = ScorecardRow.call_pk == any_(bindparam("pks", chunk, type_=ARRAY(Integer)))
            else:
                wanted = ScorecardRow.call_pk.in_(chunk)
            for call_pk, evidence in connection.execute(
                select(ScorecardRow.call_pk, ItemResultRow.evidence)
                .join(ItemResultRow, ItemResultRow.scorecard_id == ScorecardRow.id)
                .where(wanted, ItemResultRow.item_id == PROBLEM_STATEMENT_ITEM)
            ):
                for ev in evidence or []:
                    if str(ev.get("reason", "")).startswith(PROBLEM_STATEMENT_REASON) and ev.get("quote"):
                        problems[call_pk] = ev["quote"]
                        break
            missing = [pk for pk in chunk if pk not in problems]
            if missing:
                first = (
                    select(UtteranceRow.call_pk, func.min(UtteranceRow.position).label("position"))
                    .where(UtteranceRow.call_pk.in_(missing), UtteranceRow.role == Role.CUSTOMER.value)
                    .group_by(UtteranceRow.call_pk)
                    .subquery()
                )
                for call_pk, text in session.execute(
                    select(UtteranceRow.call_pk, UtteranceRow.text).join(
                        first,
                        and_(first.c.call_pk == UtteranceRow.call_pk, first.c.position == UtteranceRow.position),
                    )
                ):
                    problems[call_pk] = text
    return [
        SolutionFailure(c["call_id"], c["agent_id"], c["when"], tuple(c["items"]), problems.get(pk, ""))
        for pk, c in calls.items()
    ]


def item_sections(db: Database, item_ids: Sequence[str]) -> dict[str, str]:
    """Section of each item id as stored in scorecards (for labels)."""
    if not item_ids:
        return {}
    with database_errors(db, "read item sections"), db.session() as session:
        return dict(
            session.execute(
                select(ItemResultRow.item_id, func.min(ItemResultRow.section))
                .where(ItemResultRow.item_id.in_(list(item_ids)))
                .group_by(ItemResultRow.item_id)
            ).all()
        )

