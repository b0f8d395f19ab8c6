"""``call_timing``: the timing metrics of each call as one wide row (issue #7).

``call_metrics`` keeps one row per (call, metric) so new metrics need no schema change;
the supervisor aggregates, though, need 15 of them per call, and pivoting ~115,000
rows for a 28-day dashboard on 100,000 calls took over a second. This table holds
those 15 as columns, one row per call, kept in step with ``call_metrics`` by database
triggers (migration 0002: SQLite triggers, a PL/pgSQL trigger function on PostgreSQL),
so every writer — the flows, the web app, a hand-run SQL fix — updates it in the same
transaction, and nothing in Python has to remember to.

    INSERT INTO call_metrics (call_pk, name, value ...)  ─trigger─►  call_timing.<name> = value
    DELETE FROM call_metrics ...                          ─trigger─►  call_timing.<name> = NULL

A call without a row here (none of its metrics stored) reads as NULL metrics, exactly
as the missing ``call_metrics`` rows did.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from call_qa.db.models import Base

#: call_metrics names (timing.compute_metrics) that the supervisor aggregates sum, and
#: those they take the maximum of (call_daily and the dashboard use these lists).
SUMMED_METRICS: tuple[str, ...] = (
    "agent_talk_s",
    "customer_talk_s",
    "overtalk_s",
    "agent_interruptions",
    "customer_interruptions",
    "hold_count",
    "hold_total_s",
    "hold_over_limit",
    "hold_unannounced",
    "transfer_count",
    "dead_air_count",
    "dead_air_total_s",
)
LONGEST_METRICS: tuple[str, ...] = ("hold_longest_s", "dead_air_longest_s")
#: The call_metrics names mirrored as columns (per_call.per_call_rows reads them). Changing this
#: needs a migration that rewrites the triggers.
ROLLUP_METRICS: tuple[str, ...] = (*SUMMED_METRICS, *LONGEST_METRICS, "agent_wpm")


class CallTimingRow(Base):
    __tablename__ = "call_timing"

    call_pk: Mapped[int] = mapped_column(Integer, ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True)
    agent_talk_s: Mapped[float | None] = mapped_column()
    customer_talk_s: Mapped[float | None] = mapped_column()
    overtalk_s: Mapped[float | None] = mapped_column()
    agent_interruptions: Mapped[float | None] = mapped_column()
    customer_interruptions: Mapped[float | None] = mapped_column()
    hold_count: Mapped[float | None] = mapped_column()
    hold_total_s: Mapped[float | None] = mapped_column()
    hold_over_limit: Mapped[float | None] = mapped_column()
    hold_unannounced: Mapped[float | None] = mapped_column()
    transfer_count: Mapped[float | None] = mapped_column()
    dead_air_count: Mapped[float | None] = mapped_column()
    dead_air_total_s: Mapped[float | None] = mapped_column()
    hold_longest_s: Mapped[float | None] = mapped_column()
    dead_air_longest_s: Mapped[float | None] = mapped_column()
    agent_wpm: Mapped[float | None] = mapped_column()


assert tuple(c.name for c in CallTimingRow.__table__.columns)[1:] == ROLLUP_METRICS
