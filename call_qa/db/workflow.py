"""The QA officer's review workflow (issue #15): sign-offs, timestamped comments and
claims on calls. Tables of migration ``0010_officer``.

``call_signoffs``  one row each time an officer marks a call reviewed (who, when, the
                   reviewed score then); the latest is the call's sign-off. Only ever
                   inserted, so the record of who signed what stays.
``call_comments``  an officer's comment on a call, pinned to a moment of its audio
                   (``at_s``, seconds; NULL for the call as a whole).
``call_claims``    at most one per call: the officer reviewing it and until when. A
                   claim past ``expires_at`` is free to take; the queue hides calls
                   claimed by someone else until then.

``call_id`` is reached through ``calls.id`` with ``ON DELETE CASCADE``: re-processing
keeps the calls row (so these stay), deleting a call removes them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ForeignKey, Index, Integer, String, Text, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from call_qa.db.engine import Database
from call_qa.db.errors import NotFoundError
from call_qa.db.models import Base, CallRow
from call_qa.db.session_utils import as_utc, database_errors

MAX_COMMENT = 2000


class CallSignoffRow(Base):
    __tablename__ = "call_signoffs"
    __table_args__ = (Index(None, "call_pk", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_pk: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    user_name: Mapped[str] = mapped_column(String(128))
    at: Mapped[dt.datetime] = mapped_column()
    score: Mapped[float | None] = mapped_column(nullable=True)


class CallCommentRow(Base):
    __tablename__ = "call_comments"
    __table_args__ = (Index(None, "call_pk", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_pk: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    user_name: Mapped[str] = mapped_column(String(128))
    at: Mapped[dt.datetime] = mapped_column()
    at_s: Mapped[float | None] = mapped_column(nullable=True)
    text: Mapped[str] = mapped_column(Text)


class CallClaimRow(Base):
    __tablename__ = "call_claims"
    __table_args__ = (Index(None, "expires_at"),)

    call_pk: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True)
    user_name: Mapped[str] = mapped_column(String(128))
    claimed_at: Mapped[dt.datetime] = mapped_column()
    expires_at: Mapped[dt.datetime] = mapped_column()


@dataclass(frozen=True)
class Signoff:
    call_id: str
    user: str
    at: dt.datetime
    score: float | None


@dataclass(frozen=True)
class Comment:
    id: int
    call_id: str
    user: str
    at: dt.datetime
    at_s: float | None
    text: str


@dataclass(frozen=True)
class Claim:
    call_id: str
    user: str
    claimed_at: dt.datetime
    expires_at: dt.datetime


class ClaimTaken(Exception):
    """The call is claimed by another officer until ``claim.expires_at``."""

    def __init__(self, claim: Claim) -> None:
        super().__init__(f"{claim.call_id} is claimed by {claim.user} until {claim.expires_at:%Y-%m-%d %H:%M} UTC")
        self.claim = claim


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _call_pk(session, db: Database, call_id: str) -> int:  # type: ignore[no-untyped-def]
    pk = session.scalar(select(CallRow.id).where(CallRow.call_id == call_id))
    if pk is None:
        raise NotFoundError(f"No call {call_id!r} in the database {db.url}.")
    return pk


def sign_off(db: Database, call_id: str, user: str, score: float | None, *, now: dt.datetime | None = None) -> Signoff:
    """Mark ``call_id`` reviewed by ``user`` (its reviewed ``score`` then); the
    officer's claim on it ends."""
    at = now or _now()
    with database_errors(db, f"sign off {call_id!r}"), db.session() as session, session.begin():
        pk = _call_pk(session, db, call_id)
        session.add(CallSignoffRow(call_pk=pk, user_name=user, at=at, score=score))
        session.execute(delete(CallClaimRow).where(CallClaimRow.call_pk == pk))
    return Signoff(call_id, user, at, score)


def latest_signoff(db: Database, call_id: str) -> Signoff | None:
    """The call's latest sign-off, or None when nobody has signed it off."""
    with database_errors(db, f"read the sign-off of {call_id!r}"), db.session() as session:
        row = session.execute(
            select(CallSignoffRow).join(CallRow, CallRow.id == CallSignoffRow.call_pk)
            .where(CallRow.call_id == call_id).order_by(CallSignoffRow.id.desc()).limit(1)
        ).scalar_one_or_none()
        return None if row is None else Signoff(call_id, row.user_name, as_utc(row.at), row.score)


def add_comment(db: Database, call_id: str, user: str, text: str, at_s: float | None,
                *, now: dt.datetime | None = None) -> Comment:
    """A comment by ``user`` on ``call_id``, pinned at ``at_s`` seconds of its audio."""
    text = text.strip()
    if not text:
        raise ValueError("A comment needs some text.")
    if len(text) > MAX_COMMENT:
        raise ValueError(f"A comment is at most {MAX_COMMENT} characters.")
    if at_s is not None and not (0 <= at_s < 10**7):
        raise ValueError("The comment's moment must be a time within the call.")
    at = now or _now()
    with database_errors(db, f"add a comment to {call_id!r}"), db.session() as session, session.begin():
        pk = _call_pk(session, db, call_id)
        row = CallCommentRow(call_pk=pk, user_name=user, at=at, at_s=at_s, text=text)
        session.add(row)
        session.flush()
        return Comment(row.id, call_id, user, at, at_s, text)


def comments(db: Database, call_id: str) -> list[Comment]:
    """The call's comments in the order of the audio (unpinned ones last), then written."""
    with database_errors(db, f"read the comments of {call_id!r}"), db.session() as session:
        rows = session.scalars(
            select(CallCommentRow).join(CallRow, CallRow.id == CallCommentRow.call_pk)
            .where(CallRow.call_id == call_id).order_by(CallCommentRow.id)
        ).all()
        found = [Comment(r.id, call_id, r.user_name, as_utc(r.at), r.at_s, r.text) for r in rows]
    return sorted(found, key=lambda c: (c.at_s is None, c.at_s or 0.0, c.id))


def claim(db: Database, call_id: str, user: str, lifetime: dt.timedelta, *, now: dt.datetime | None = None) -> Claim:
    """Claim ``call_id`` for ``user`` until now + ``lifetime`` (renewing their own
    claim); raises :class:`ClaimTaken` while another officer's claim runs."""
    at = now or _now()
    with database_errors(db, f"claim {call_id!r}"), db.session() as session, session.begin():
        pk = _call_pk(session, db, call_id)
        row = session.get(CallClaimRow, pk, with_for_update=True)
        if row is not None and row.user_name != user and as_utc(row.expires_at) > at:
            raise ClaimTaken(Claim(call_id, row.user_name, as_utc(row.claimed_at), as_utc(row.expires_at)))
        if row is None:
            row = CallClaimRow(call_pk=pk, user_name=user, claimed_at=at, expires_at=at + lifetime)
            session.add(row)
        else:
            if row.user_name != user:
                row.claimed_at = at
            row.user_name, row.expires_at = user, at + lifetime
        return Claim(call_id, user, as_utc(row.claimed_at), at + lifetime)


def release(db: Database, call_id: str, user: str) -> None:
    """End ``user``'s claim on ``call_id`` (another officer's claim stays)."""
    with database_errors(db, f"release {call_id!r}"), db.session() as session, session.begin():
        pk = _call_pk(session, db, call_id)
        session.execute(delete(CallClaimRow).where(CallClaimRow.call_pk == pk, CallClaimRow.user_name == user))


def current_claim(db: Database, call_id: str, *, now: dt.datetime | None = None) -> Claim | None:
    """The running claim on ``call_id``, or None."""
    at = now or _now()
    with database_errors(db, f"read the claim on {call_id!r}"), db.session() as session:
        row = session.execute(
            select(CallClaimRow).join(CallRow, CallRow.id == CallClaimRow.call_pk).where(CallRow.call_id == call_id)
        ).scalar_one_or_none()
        if row is None or as_utc(row.expires_at) <= at:
            return None
        return Claim(call_id, row.user_name, as_utc(row.claimed_at), as_utc(row.expires_at))
