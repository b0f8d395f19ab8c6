"""calls list and search at 100,000 calls: call-id search index, covering item index

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28

Owned by the web app (issue #7). See call_qa/db/search.py and call_qa/db/browse.py.

Notes for reviewers:
- The list's search also matches part of a call id (substring, case-insensitive);
  scanning 100,000 call ids cost more than the transcript search itself. SQLite:
  ``calls_fts``, an FTS5 trigram table with external content (``calls.call_id``), kept
  in step by triggers. PostgreSQL: a GIN trigram index on ``lower(calls.call_id)``
  (skipped, with a warning, where pg_trgm is unavailable — see 0004).
- ``ix_item_results_cover`` (scorecard_id, section, verdict, item_id, position) lets
  knowledge-base gaps and coaching read a call's item verdicts from the index alone
  instead of the wide item_results rows (evidence JSON, reasons).
"""

from __future__ import annotations

import logging
from typing import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("call_qa")

FTS = "calls_fts"
TRGM_INDEX = "ix_calls_call_id_trgm"
COVER = ["scorecard_id", "section", "verdict", "item_id", "position"]


def upgrade() -> None:
    op.create_index("ix_item_results_cover", "item_results", COVER)
    if op.get_context().dialect.name == "postgresql":
        _create_trigram_index()
    else:
        op.execute(f"CREATE VIRTUAL TABLE {FTS} USING fts5(call_id, content='calls', content_rowid='id', "
                   "tokenize='trigram')")
        op.execute(f"CREATE TRIGGER {FTS}_insert AFTER INSERT ON calls BEGIN "
                   f"INSERT INTO {FTS} (rowid, call_id) VALUES (NEW.id, NEW.call_id); END")
        op.execute(f"CREATE TRIGGER {FTS}_delete AFTER DELETE ON calls BEGIN "
                   f"INSERT INTO {FTS} ({FTS}, rowid, call_id) VALUES ('delete', OLD.id, OLD.call_id); END")
        op.execute(f"CREATE TRIGGER {FTS}_update AFTER UPDATE OF call_id ON calls BEGIN "
                   f"INSERT INTO {FTS} ({FTS}, rowid, call_id) VALUES ('delete', OLD.id, OLD.call_id); "
                   f"INSERT INTO {FTS} (rowid, call_id) VALUES (NEW.id, NEW.call_id); END")
        op.execute(f"INSERT INTO {FTS} ({FTS}) VALUES ('rebuild')")


def _create_trigram_index() -> None:
    if op.get_context().as_sql:
        op.execute(f"CREATE INDEX {TRGM_INDEX} ON calls USING gin (lower(call_id) public.gin_trgm_ops)")
        return
    bind = op.get_bind()
    schema = bind.execute(
        sa.text("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
                "WHERE e.extname = 'pg_trgm'")
    ).scalar()
    if schema is None:
        log.warning("call-id search stays unindexed: pg_trgm is not installed (see migration 0004)")
        return
    op.execute(f"CREATE INDEX {TRGM_INDEX} ON calls USING gin (lower(call_id) {schema}.gin_trgm_ops)")


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {TRGM_INDEX}")
    else:
        for suffix in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS {FTS}_{suffix}")
        op.execute(f"DROP TABLE IF EXISTS {FTS}")
    op.drop_index("ix_item_results_cover", table_name="item_results")
