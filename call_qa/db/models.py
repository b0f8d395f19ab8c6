"""Database rows of call-qa (SQLAlchemy 2 typed declarative models).

Rows are not domain objects (architecture rule 9): nothing outside ``call_qa.db``
sees these classes; ``repository.py`` converts them to and from ``call_qa.domain``.

Every change here needs a reviewed Alembic migration in ``migrations/versions``;
``tests/db/test_migrations.py`` fails when the two disagree.

Tables
------
``calls``            one row per call_id; kept (updated in place) when a call is
                     re-processed, so overrides recorded against it survive.
``speakers``, ``utterances``, ``turns``, ``events``, ``call_metrics``, ``scorecards``
                     the computed results of the latest processing; replaced as a
                     whole on re-processing, never edited.
``item_results``     one row per rubric item of a scorecard.
``item_overrides``   QA officers' decisions: only ever inserted; the latest row per
                     (call, item) is the decision in force.

Columns are ``start_s``/``end_s`` rather than ``start``/``end`` because ``END`` is a
reserved word in SQL, and anyone querying the database by hand should not need quotes.
Seconds are DOUBLE PRECISION on both SQLite and PostgreSQL so values read back exactly
as saved.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from call_qa.domain import CallStatus, EventType, Layout, Role, Verdict

# Deterministic constraint names: Alembic can only alter or drop what it can name,
# and PostgreSQL and SQLite would otherwise invent different names.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _one_of(column: str, enum_type: type) -> str:
    """SQL for ``column IN (...)`` over an enum's values (plain strings, not native enums,
    so adding a value later is a one-line CHECK change on both databases)."""
    values = ", ".join(f"'{member.value}'" for member in enum_type)
    return f"{column} IN ({values})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        float: Double(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
        dt.datetime: DateTime(timezone=True),
    }


class CallRow(Base):
    __tablename__ = "calls"
    __table_args__ = (
        CheckConstraint(_one_of("status", CallStatus), name="status"),
        CheckConstraint(f"layout IS NULL OR {_one_of('layout', Layout)}", name="layout"),
        # find_processed() looks calls up by what was processed and how.
        Index(None, "content_hash", "settings_hash"),
        Index(None, "agent_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[str] = mapped_column(String(255), unique=True)
    source: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))  # sha256 hex of the recording
    settings_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    errors: Mapped[list[Any]] = mapped_column()
    duration_s: Mapped[float] = mapped_column()
    channels: Mapped[int] = mapped_column(Integer)
    layout: Mapped[str | None] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(16))
    settings: Mapped[dict[str, Any]] = mapped_column()
    processed_at: Mapped[dt.datetime] = mapped_column()
    # Filled later from call metadata (recorder / telephony export); unknown for now.
    agent_id: Mapped[str | None] = mapped_column(String(128))
    team: Mapped[str | None] = mapped_column(String(128))
    recorded_at: Mapped[dt.datetime | None] = mapped_column()
    # The call_id of the call holding the results when this recording is an exact copy
    # (same content_hash) of it under another name (migration 0009); NULL otherwise.
    duplicate_of: Mapped[str | None] = mapped_column(String(255))


def _call_fk() -> Any:
    return ForeignKey("calls.id", ondelete="CASCADE")


class SpeakerRow(Base):
    __tablename__ = "speakers"
    __table_args__ = (
        UniqueConstraint("call_pk", "position"),
        CheckConstraint(_one_of("role", Role), name="role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_pk: Mapped[int] = mapped_column(_call_fk())
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    role_confidence: Mapped[float] = mapped_column()
    talk_s: Mapped[float] = mapped_column()


class UtteranceRow(Base):
    __tablename__ = "utterances"
    __table_args__ = (
        UniqueConstraint("call_pk", "position"),
        CheckConstraint(_one_of("role", Role), name="role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_pk: Mapped[int] = mapped_column(_call_fk())
    position: Mapped[int] = mapped_column(Integer)
    start_s: Mapped[float] = mapped_column()
    end_s: Mapped[float] = mapped_column()
    speaker: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    # Words are only ever read with their utterance; a row per word would multiply
    # the table by ~10 for no query anyone needs.
    words: Mapped[list[Any]] = mapped_column()


class TurnRow(Base):
    __tablename__ = "turns"
    __table_args__ = (
        UniqueConstraint("call_pk", "position"),
        CheckConstraint(_one_of("role", Role), name="role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_pk: Mapped[int] = mapped_column(_call_fk())
    position: Mapped[int] = mapped_column(Integer)
    start_s: Mapped[float] = mapped_column()
    end_s: Mapped[float] = mapped_column()
    speaker: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    backchannel: Mapped[bool] = mapped_column(Boolean)


class EventRow(Base):
    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("call_pk", "position"),
        CheckConstraint(_one_of("type", EventType), name="type"),
        Index(None, "type"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_pk: Mapped[int] = mapped_column(_call_fk())
    position: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(32))
    start_s: Mapped[float] = mapped_column()
    end_s: Mapped[float] = mapped_column()
    details: Mapped[dict[str, Any]] = mapped_column()
    source: Mapped[str] = mapped_column(String(32))


class CallMetricRow(Base):
    """One metric of one call: ``SELECT c.agent_id, AVG(m.value) ... WHERE m.name = ...``
    aggregates per agent without parsing JSON in SQL."""

    __tablename__ = "call_metrics"
    __table_args__ = (Index(None, "name"),)

    call_pk: Mapped[int] = mapped_column(_call_fk(), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    value: Mapped[float | None] = mapped_column()
    # Counts (interruptions, holds) are ints in the domain and in the per-call JSON;
    # this keeps them ints after a round trip through a DOUBLE column.
    is_integer: Mapped[bool] = mapped_column(Boolean)


class ScorecardRow(Base):
    __tablename__ = "scorecards"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_pk: Mapped[int] = mapped_column(_call_fk(), unique=True)
    rubric_id: Mapped[str] = mapped_column(String(64))
    rubric_version: Mapped[str] = mapped_column(String(32))
    score: Mapped[float | None] = mapped_column()
    needs_review: Mapped[int] = mapped_column(Integer)
    sections: Mapped[list[Any]] = mapped_column()


class ItemResultRow(Base):
    __tablename__ = "item_results"
    __table_args__ = (
        UniqueConstraint("scorecard_id", "item_id"),
        UniqueConstraint("scorecard_id", "position"),
        CheckConstraint(_one_of("verdict", Verdict), name="verdict"),
        # Per-item pass rates across calls and agents.
        Index(None, "item_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("scorecards.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[str] = mapped_column(String(128))
    section: Mapped[str] = mapped_column(String(128))
    verdict: Mapped[str] = mapped_column(String(16))
    points: Mapped[float] = mapped_column()
    max_points: Mapped[float] = mapped_column()
    confidence: Mapped[float] = mapped_column()
    reason: Mapped[str] = mapped_column(Text)
    critical: Mapped[bool] = mapped_column(Boolean)
    evidence: Mapped[list[Any]] = mapped_column()


class ItemOverrideRow(Base):
    """A QA officer's verdict on one rubric item of one call.

    Keyed by call and ``item_id`` (not only by the item_results row) because
    re-processing a call replaces its item_results; the decision must outlive that.
    ``item_result_id`` records which computed result was on screen when the decision
    was made, and becomes NULL once that result is replaced.
    """

    __tablename__ = "item_overrides"
    __table_args__ = (
        CheckConstraint(_one_of("verdict", Verdict), name="verdict"),
        Index(None, "call_pk", "item_id"),
        Index(None, "item_result_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_pk: Mapped[int] = mapped_column(_call_fk())
    item_id: Mapped[str] = mapped_column(String(128))
    item_result_id: Mapped[int | None] = mapped_column(
        ForeignKey("item_results.id", ondelete="SET NULL")
    )
    verdict: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    # "user" is reserved in PostgreSQL.
    user_name: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column()
