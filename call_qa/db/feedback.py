"""The agent feedback loop (issue 16.3): an agent's own signed-off scorecards, its
acknowledgements and disputes, and a second officer's review of each dispute.

Tables (migration ``0011``)
---------------------------
``call_acknowledgements`` an agent's "I have read this scorecard" (one per call and user).
``item_disputes``         an agent's dispute of one item of a call, with the reason, the
                          verdict in force when it was raised and the officer whose
                          decision it disputes (``decided_by``), then the second
                          officer's outcome: ``upheld`` (the verdict stays) or
                          ``changed`` (the resolver's override, written with
                          :func:`call_qa.db.add_override`, replaces it).

Signed off
----------
:func:`signed_off` is the one place that says when a scorecard is finished enough to
show its agent: an officer signed the call off explicitly (``call_signoffs``,
:mod:`call_qa.db.workflow`).
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    case,
    exists,
    func,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column

from call_qa.db.engine import Database
from call_qa.db.errors import NotFoundError
from call_qa.db.models import Base, CallRow, ItemOverrideRow, ItemResultRow, ScorecardRow
from call_qa.db.repository import add_override
from call_qa.db.session_utils import as_utc, database_errors
from call_qa.db.workflow import CallSignoffRow
from call_qa.domain import Verdict


class DisputeStatus(str, enum.Enum):
    OPEN = "open"
    UPHELD = "upheld"  # the second officer kept the verdict
    CHANGED = "changed"  # the second officer changed it


class FeedbackError(ValueError):
    """A feedback action that is not allowed (e.g. the deciding officer reviewing the
    dispute of their own decision, or a dispute of an item the call does not have)."""


class SecondOfficerRequired(FeedbackError):
    """The officer whose decision is disputed tried to review the dispute."""


class CallAcknowledgementRow(Base):
    __tablename__ = "call_acknowledgements"
    __table_args__ = (UniqueConstraint("call_pk", "user_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_pk: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    user_name: Mapped[str] = mapped_column(String(128))
    at: Mapped[dt.datetime] = mapped_column()


class ItemDisputeRow(Base):
    __tablename__ = "item_disputes"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'upheld', 'changed')", name="status"),
        Index(None, "call_pk", "item_id"),
        Index(None, "status", "created_at"),
        Index(None, "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_pk: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(String(128))
    user_name: Mapped[str] = mapped_column(String(128))  # the agent's login
    reason: Mapped[str] = mapped_column(Text)
    verdict: Mapped[str] = mapped_column(String(16))  # in force when disputed
    decided_by: Mapped[str] = mapped_column(String(128))  # whose decision is disputed ('' = none)
    created_at: Mapped[dt.datetime] = mapped_column()
    status: Mapped[str] = mapped_column(String(16))
    resolved_by: Mapped[str | None] = mapped_column(String(128))
    resolution: Mapped[str | None] = mapped_column(Text)
    resolved_verdict: Mapped[str | None] = mapped_column(String(16))
    resolved_at: Mapped[dt.datetime | None] = mapped_column()


@dataclass(frozen=True)
class Dispute:
    id: int
    call_id: str
    agent_id: str | None
    item_id: str
    user: str
    reason: str
    verdict: Verdict
    decided_by: str
    created_at: dt.datetime
    status: DisputeStatus
    resolved_by: str | None
    resolution: str | None
    resolved_verdict: Verdict | None
    resolved_at: dt.datetime | None


@dataclass(frozen=True)
class AgentCall:
    """One signed-off call in an agent's list."""

    call_id: str
    when: dt.datetime
    score: float | None  # automatic
    acknowledged: bool
    disputes: int
    open_disputes: int


@dataclass(frozen=True)
class DisputeStats:
    """Dispute figures of a period, overall or for one agent (``agent_id``)."""

    agent_id: str | None
    feedback_calls: int  # calls the agent acknowledged or disputed
    acknowledged: int
    disputed_calls: int
    disputes: int
    open: int
    upheld: int
    changed: int

    @property
    def dispute_rate(self) -> float | None:
        """Disputed calls ÷ calls with feedback."""
        return self.disputed_calls / self.feedback_calls if self.feedback_calls else None

    @property
    def change_rate(self) -> float | None:
        """Share of resolved disputes whose verdict was changed."""
        done = self.upheld + self.changed
        return self.changed / done if done else None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _when() -> Any:
    return func.coalesce(CallRow.recorded_at, CallRow.processed_at)


def signed_off(calls: Any = CallRow) -> Any:
    """SQL condition on ``calls``: the call's scorecard is signed off — an officer
    marked it reviewed (a row in ``call_signoffs``, call_qa/db/workflow.py). The one
    definition of "signed off" the agent's pages and the reviewed score use."""
    return exists().where(CallSignoffRow.call_pk == calls.id)


def _call(session: Any, call_id: str, agent_id: str | None = None, *, signed: bool = False) -> CallRow:
    query = select(CallRow).where(CallRow.call_id == call_id)
    if agent_id is not None:
        query = query.where(CallRow.agent_id == agent_id)
    if signed:
        query = query.where(signed_off(CallRow))
    row = session.scalars(query).one_or_none()
    if row is None:
        raise NotFoundError(f"No call {call_id!r}" + (" of yours that is signed off." if agent_id else "."))
    return row


def is_signed_off_for(db: Database, call_id: str, agent_id: str) -> bool:
    """Whether ``call_id`` is ``agent_id``'s call and signed off (what an agent may open)."""
    with database_errors(db, f"check call {call_id!r}"), db.session() as session:
        query = select(CallRow.id).where(CallRow.call_id == call_id, CallRow.agent_id == agent_id,
                                         signed_off(CallRow))
        return session.scalar(query) is not None


def agent_calls(db: Database, agent_id: str, user: str, *, limit: int = 200) -> list[AgentCall]:
    """``agent_id``'s signed-off calls, newest first, with ``user``'s feedback on each."""
    with database_errors(db, f"list the calls of {agent_id!r}"), db.session() as session:
        acked = exists().where(CallAcknowledgementRow.call_pk == CallRow.id,
                               CallAcknowledgementRow.user_name == user)
        disputes = select(func.count(ItemDisputeRow.id)).where(ItemDisputeRow.call_pk == CallRow.id).scalar_subquery()
        open_ = (select(func.count(ItemDisputeRow.id))
                 .where(ItemDisputeRow.call_pk == CallRow.id, ItemDisputeRow.status == DisputeStatus.OPEN.value)
                 .scalar_subquery())
        rows = session.execute(
            select(CallRow.call_id, _when(), ScorecardRow.score, acked, disputes, open_)
            .join(ScorecardRow, ScorecardRow.call_pk == CallRow.id)
            .where(CallRow.agent_id == agent_id, signed_off(CallRow))
            .order_by(_when().desc(), CallRow.id.desc())
            .limit(limit)
        )
        return [AgentCall(c, as_utc(w), s, bool(a), d or 0, o or 0) for c, w, s, a, d, o in rows]


def acknowledge(db: Database, call_id: str, agent_id: str, user: str) -> bool:
    """Record that ``user`` (the agent ``agent_id``) has read the signed-off scorecard
    of ``call_id``; False when it had already been acknowledged."""
    with database_errors(db, f"acknowledge {call_id!r}"), db.session() as session, session.begin():
        call = _call(session, call_id, agent_id, signed=True)
        if session.scalar(select(CallAcknowledgementRow.id).where(
                CallAcknowledgementRow.call_pk == call.id, CallAcknowledgementRow.user_name == user)) is not None:
            return False
        session.add(CallAcknowledgementRow(call_pk=call.id, user_name=user, at=_now()))
        return True


def acknowledged(db: Database, call_id: str, user: str) -> dt.datetime | None:
    """When ``user`` acknowledged ``call_id``, or None."""
    with database_errors(db, f"read acknowledgements of {call_id!r}"), db.session() as session:
        at = session.scalar(select(CallAcknowledgementRow.at).join(CallRow, CallRow.id == CallAcknowledgementRow.call_pk)
                            .where(CallRow.call_id == call_id, CallAcknowledgementRow.user_name == user))
        return as_utc(at) if at is not None else None


def raise_dispute(db: Database, call_id: str, agent_id: str, user: str, item_id: str, reason: str) -> Dispute:
    """``user`` (the agent ``agent_id``) disputes ``item_id`` of its signed-off call.
    The dispute records the verdict in force and who decided it (the latest decision
    on the item, else the latest on the call: the officer who signed it off)."""
    reason = reason.strip()
    if not reason:
        raise FeedbackError(("A dispute needs a reason."))
    with database_errors(db, f"dispute {call_id!r}/{item_id!r}"), db.session() as session, session.begin():
        call = _call(session, call_id, agent_id, signed=True)
        computed = session.scalar(
            select(ItemResultRow.verdict).join(ScorecardRow, ScorecardRow.id == ItemResultRow.scorecard_id)
            .where(ScorecardRow.call_pk == call.id, ItemResultRow.item_id == item_id))
        if computed is None:
            raise FeedbackError(("The scorecard has no item {item_id!r}.").format(item_id=item_id))
        if session.scalar(select(ItemDisputeRow.id).where(
                ItemDisputeRow.call_pk == call.id, ItemDisputeRow.item_id == item_id,
                ItemDisputeRow.status == DisputeStatus.OPEN.value)) is not None:
            raise FeedbackError(("Item {item_id!r} is already disputed and awaiting review.").format(item_id=item_id))
        item_decision = session.execute(
            select(ItemOverrideRow.verdict, ItemOverrideRow.user_name)
            .where(ItemOverrideRow.call_pk == call.id, ItemOverrideRow.item_id == item_id)
            .order_by(ItemOverrideRow.id.desc()).limit(1)).first()
        call_decider = session.scalar(select(ItemOverrideRow.user_name).where(ItemOverrideRow.call_pk == call.id)
                                      .order_by(ItemOverrideRow.id.desc()).limit(1))
        row = ItemDisputeRow(
            call_pk=call.id, item_id=item_id, user_name=user, reason=reason,
            verdict=item_decision[0] if item_decision else computed,
            decided_by=item_decision[1] if item_decision else (call_decider or ""),
            created_at=_now(), status=DisputeStatus.OPEN.value,
        )
        session.add(row)
        session.flush()
        return _dispute(row, call.call_id, call.agent_id)


def _dispute(row: ItemDisputeRow, call_id: str, agent_id: str | None) -> Dispute:
    return Dispute(
        row.id, call_id, agent_id, row.item_id, row.user_name, row.reason, Verdict(row.verdict), row.decided_by,
        as_utc(row.created_at), DisputeStatus(row.status), row.resolved_by, row.resolution,
        Verdict(row.resolved_verdict) if row.resolved_verdict else None,
        as_utc(row.resolved_at) if row.resolved_at else None,
    )


def disputes(db: Database, *, status: DisputeStatus | None = None, call_id: str | None = None,
             limit: int = 200) -> list[Dispute]:
    """Disputes, oldest open first (or newest first when ``status`` is not open)."""
    with database_errors(db, "list disputes"), db.session() as session:
        query = select(ItemDisputeRow, CallRow.call_id, CallRow.agent_id).join(
            CallRow, CallRow.id == ItemDisputeRow.call_pk)
        if status is not None:
            query = query.where(ItemDisputeRow.status == status.value)
        if call_id is not None:
            query = query.where(CallRow.call_id == call_id)
        order = ItemDisputeRow.id.asc() if status == DisputeStatus.OPEN else ItemDisputeRow.id.desc()
        return [_dispute(r, c, a) for r, c, a in session.execute(query.order_by(order).limit(limit))]


def get_dispute(db: Database, dispute_id: int) -> Dispute:
    """One dispute; :class:`NotFoundError` when there is none."""
    with database_errors(db, f"read dispute {dispute_id}"), db.session() as session:
        found = session.execute(
            select(ItemDisputeRow, CallRow.call_id, CallRow.agent_id)
            .join(CallRow, CallRow.id == ItemDisputeRow.call_pk).where(ItemDisputeRow.id == dispute_id)).first()
    if found is None:
        raise NotFoundError(("No dispute {dispute_id}.").format(dispute_id=dispute_id))
    return _dispute(*found)


def resolve_dispute(db: Database, dispute_id: int, officer: str, verdict: Verdict | str, note: str) -> Dispute:
    """A second officer's review of an open dispute: ``verdict`` equal to the disputed
    one upholds it, another changes it (an override by ``officer`` with the note as its
    reason). The officer whose decision is disputed may not review it."""
    verdict = Verdict(verdict)
    note = note.strip()
    if not note:
        raise FeedbackError(("The review of a dispute needs a note for the agent."))
    dispute = get_dispute(db, dispute_id)
    if dispute.status != DisputeStatus.OPEN:
        raise FeedbackError(("Dispute {dispute_id} was already reviewed ({dispute.status.value}).").format(dispute=dispute, dispute_id=dispute_id))
    if officer == dispute.decided_by:
        raise SecondOfficerRequired(("A dispute goes to a second officer: you made the decision it disputes."))
    changed = verdict != dispute.verdict
    if changed:
        add_override(db, dispute.call_id, dispute.item_id, verdict, f"dispute #{dispute_id}: {note}", officer)
    with database_errors(db, f"resolve dispute {dispute_id}"), db.session() as session, session.begin():
        row = session.get(ItemDisputeRow, dispute_id)
        assert row is not None
        row.status = (DisputeStatus.CHANGED if changed else DisputeStatus.UPHELD).value
        row.resolved_by, row.resolution, row.resolved_verdict, row.resolved_at = officer, note, verdict.value, _now()
    return get_dispute(db, dispute_id)


def dispute_stats(db: Database, *, start: dt.datetime | None = None, end: dt.datetime | None = None,
                  by_agent: bool = False) -> list[DisputeStats]:
    """Feedback and dispute figures of the calls given feedback in [start, end) (UTC),
    overall (one row) or per agent."""
    with database_errors(db, "count disputes"), db.session() as session:
        acks = select(CallAcknowledgementRow.call_pk.label("call_pk"), CallAcknowledgementRow.at.label("at"))
        raised = select(ItemDisputeRow.call_pk.label("call_pk"), ItemDisputeRow.created_at.label("at"))
        feedback = acks.union_all(raised).subquery()
        calls_q = select(feedback.c.call_pk).distinct()
        if start is not None:
            calls_q = calls_q.where(feedback.c.at >= start)
        if end is not None:
            calls_q = calls_q.where(feedback.c.at < end)
        pks = calls_q.subquery()
        ack_exists = exists().where(CallAcknowledgementRow.call_pk == CallRow.id)
        disp_exists = exists().where(ItemDisputeRow.call_pk == CallRow.id)
        per_call = (
            select(CallRow.agent_id.label("agent_id"), case((ack_exists, 1), else_=0).label("ack"),
                   case((disp_exists, 1), else_=0).label("disp"))
            .where(CallRow.id.in_(select(pks.c.call_pk)))
        ).subquery()
        key = [per_call.c.agent_id] if by_agent else []
        call_rows = session.execute(
            select(*key, func.count(), func.sum(per_call.c.ack), func.sum(per_call.c.disp)).group_by(*key)).all()
        dkey = [CallRow.agent_id] if by_agent else []
        d_rows = session.execute(
            select(*dkey, ItemDisputeRow.status, func.count())
            .join(CallRow, CallRow.id == ItemDisputeRow.call_pk)
            .where(ItemDisputeRow.call_pk.in_(select(pks.c.call_pk)))
            .group_by(*dkey, ItemDisputeRow.status)).all()
    counts: dict[Any, dict[str, int]] = {}
    for r in d_rows:
        agent, status, n = (r[0], r[1], r[2]) if by_agent else (None, r[0], r[1])
        counts.setdefault(agent, {})[status] = n
    out = []
    for r in call_rows:
        agent, n, a, d = (r[0], r[1], r[2], r[3]) if by_agent else (None, r[0], r[1], r[2])
        c = counts.get(agent, {})
        out.append(DisputeStats(agent, n or 0, int(a or 0), int(d or 0), sum(c.values()), c.get("open", 0),
                                c.get("upheld", 0), c.get("changed", 0)))
    if not by_agent and not out:
        out.append(DisputeStats(None, 0, 0, 0, 0, 0, 0, 0))
    out.sort(key=lambda s: (s.agent_id or ""))
    return out


__all__ = [
    "AgentCall", "Dispute", "DisputeStats", "DisputeStatus", "FeedbackError", "SecondOfficerRequired", "acknowledge", "acknowledged",
    "agent_calls", "dispute_stats", "disputes", "get_dispute", "is_signed_off_for", "raise_dispute",
    "resolve_dispute", "signed_off",
]
