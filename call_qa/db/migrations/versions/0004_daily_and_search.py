"""per-day totals (call_daily) and the transcript search index

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28

Owned by the web app (issue #7, performance at 100,000 calls). Tables described in
call_qa/db/daily.py and call_qa/db/search.py; tests/db/test_db_migrations.py checks
that upgrade gives exactly the models' schema (the search index's objects apart).

Notes for reviewers:
- ``call_daily`` holds the dashboard's totals per (local day, agent, team), cut at the
  offset in ``call_daily_settings`` (420 min = WIB here; the web app rebuilds the
  table at start-up when configured otherwise). It is filled at the end of this
  upgrade by ``call_qa.db.daily.rebuild`` — the one definition of a cell, also used
  to keep it in step — rather than by SQL copied here, which would drift from it.
- ``ix_calls_agent_id_when`` finds the calls of one agent-day (the refresh of a
  cell) and serves the list filtered by agent, newest first.
- SQLite: ``utterances_fts``, an FTS5 trigram table with external content
  (``utterances``), kept in step by three triggers, filled with FTS5's 'rebuild'.
- PostgreSQL: ``pg_trgm`` (installed in ``public`` when missing; a trusted extension)
  and a GIN trigram index on ``lower(utterances.text)``. Where the extension cannot
  be installed the upgrade goes on without the index (searching then scans, as
  before) and logs why.
"""

from __future__ import annotations

import logging
from typing import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("call_qa")

OFFSET_MINUTES = 420
SUMMED = (
    "agent_talk_s", "customer_talk_s", "overtalk_s", "agent_interruptions", "customer_interruptions",
    "hold_count", "hold_total_s", "hold_over_limit", "hold_unannounced", "transfer_count",
    "dead_air_count", "dead_air_total_s", "hold_longest_s", "dead_air_longest_s", "wpm_x_talk", "wpm_talk_s",
)
FTS = "utterances_fts"
TRGM_INDEX = "ix_utterances_text_trgm"


def upgrade() -> None:
    op.create_table(
        "call_daily",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("agent_id", sa.String(length=128), nullable=True),
        sa.Column("team", sa.String(length=128), nullable=True),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("failed_calls", sa.Integer(), nullable=False),
        sa.Column("call_s", sa.Double(), nullable=False),
        *(sa.Column(name, sa.Double(), nullable=False) for name in SUMMED),
        sa.Column("scored_calls", sa.Integer(), nullable=False),
        sa.Column("score_sum", sa.Double(), nullable=False),
        sa.Column("items_awaiting_review", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_daily")),
    )
    op.create_index(op.f("ix_call_daily_day_agent_id_team"), "call_daily", ["day", "agent_id", "team"])
    op.create_index(op.f("ix_call_daily_agent_id_day"), "call_daily", ["agent_id", "day"])
    op.create_index(op.f("ix_call_daily_team_day"), "call_daily", ["team", "day"])
    op.create_table(
        "call_daily_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("utc_offset_minutes", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_daily_settings")),
    )
    op.execute(f"INSERT INTO call_daily_settings (id, utc_offset_minutes) VALUES (1, {OFFSET_MINUTES})")
    op.create_index(
        op.f("ix_calls_agent_id_when"), "calls", ["agent_id", sa.text("coalesce(recorded_at, processed_at)")]
    )
    if op.get_context().dialect.name == "postgresql":
        _create_trigram_index()
    else:
        _create_fts()
    _fill_call_daily()


def _fill_call_daily() -> None:
    from sqlalchemy.orm import Session

    from call_qa.db import daily

    if op.get_context().as_sql:
        # Offline SQL (alembic upgrade --sql) has no data to read: the table starts
        # empty and the web app's start-up (daily.ensure_offset) cannot tell; say so.
        op.execute("-- fill call_daily afterwards: python -c 'import call_qa.db as d; "
                   "d.rebuild_daily(d.open_database(URL))'")
        return
    bind = op.get_bind()
    from call_qa.db.models import CallRow

    present = {c["name"] for c in sa.inspect(bind).get_columns("calls")}
    if not set(CallRow.__table__.columns.keys()) <= present:
        # daily.rebuild reads calls as the current code knows them; a column added by a
        # later revision (0009: duplicate_of) is not there yet. That revision refills.
        return
    with Session(bind=bind) as session:
        daily.rebuild(session, bind.dialect.name)
        session.flush()


def _create_fts() -> None:
    # Column order of the content table does not matter; rowid = utterances.id.
    op.execute(f"CREATE VIRTUAL TABLE {FTS} USING fts5(text, content='utterances', content_rowid='id', "
               "tokenize='trigram')")
    op.execute(f"CREATE TRIGGER {FTS}_insert AFTER INSERT ON utterances BEGIN "
               f"INSERT INTO {FTS} (rowid, text) VALUES (NEW.id, NEW.text); END")
    op.execute(f"CREATE TRIGGER {FTS}_delete AFTER DELETE ON utterances BEGIN "
               f"INSERT INTO {FTS} ({FTS}, rowid, text) VALUES ('delete', OLD.id, OLD.text); END")
    op.execute(f"CREATE TRIGGER {FTS}_update AFTER UPDATE OF text ON utterances BEGIN "
               f"INSERT INTO {FTS} ({FTS}, rowid, text) VALUES ('delete', OLD.id, OLD.text); "
               f"INSERT INTO {FTS} (rowid, text) VALUES (NEW.id, NEW.text); END")
    op.execute(f"INSERT INTO {FTS} ({FTS}) VALUES ('rebuild')")


def _create_trigram_index() -> None:
    if op.get_context().as_sql:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
        op.execute(f"CREATE INDEX {TRGM_INDEX} ON utterances USING gin (lower(text) public.gin_trgm_ops)")
        return
    bind = op.get_bind()
    schema = bind.execute(
        sa.text("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
                "WHERE e.extname = 'pg_trgm'")
    ).scalar()
    savepoint = bind.begin_nested()
    try:
        if schema is None:
            # In public, not the first schema of the search_path: an extension lives
            # once per database, and a schema dropped later must not take it along.
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public"))
            schema = "public"
        bind.execute(sa.text(
            f"CREATE INDEX {TRGM_INDEX} ON utterances USING gin (lower(text) {schema}.gin_trgm_ops)"
        ))
        savepoint.commit()
    except sa.exc.DBAPIError as exc:
        savepoint.rollback()
        log.warning("transcript search stays unindexed: cannot use pg_trgm (%s); ask a database "
                    "administrator to run CREATE EXTENSION pg_trgm, then re-create %s",
                    str(exc.orig).strip().splitlines()[0], TRGM_INDEX)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {TRGM_INDEX}")  # the extension may serve others: kept
    else:
        for suffix in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS {FTS}_{suffix}")
        op.execute(f"DROP TABLE IF EXISTS {FTS}")
    op.drop_index(op.f("ix_calls_agent_id_when"), table_name="calls")
    op.drop_table("call_daily_settings")
    op.drop_index(op.f("ix_call_daily_team_day"), table_name="call_daily")
    op.drop_index(op.f("ix_call_daily_agent_id_day"), table_name="call_daily")
    op.drop_index(op.f("ix_call_daily_day_agent_id_team"), table_name="call_daily")
    op.drop_table("call_daily")
