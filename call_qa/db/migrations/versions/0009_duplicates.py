"""a recording stored as an exact copy of another call (duplicate_of)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08

Owned by issue #20 (every recording exactly once). See call_qa/batch.py and
call_qa/db/repository.py (record_duplicate).

Notes for reviewers:
- ``calls.duplicate_of`` (nullable): the call_id whose results stand for this row, when
  the recording is byte-identical (same ``content_hash``) to that call's under another
  name. Such a row has no results of its own; the aggregates (call_daily, per_call)
  leave it out, so a copied recording counts once.
- Revision 0004 fills ``call_daily`` with the current code, which reads this column;
  it skips the fill while the column is missing, and this revision refills the table.
- Existing rows get NULL: every stored call holds its own results, as before. Lookups
  by content use the existing (content_hash, settings_hash) index, whose first column
  is content_hash; no new index is needed.
"""

from __future__ import annotations

from typing import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("calls", sa.Column("duplicate_of", sa.String(255), nullable=True))
    _fill_call_daily()


def _fill_call_daily() -> None:
    """call_daily as revision 0004 fills it: that fill is skipped while ``calls`` lacks
    a column the current code reads (this one), so it is done here."""
    from sqlalchemy.orm import Session

    from call_qa.db import daily

    if op.get_context().as_sql:
        return  # offline SQL: 0004 printed how to fill call_daily afterwards
    bind = op.get_bind()
    with Session(bind=bind) as session:
        daily.rebuild(session, bind.dialect.name)
        session.flush()


def downgrade() -> None:
    # a plain ALTER TABLE … DROP COLUMN (SQLite >= 3.35): a batch copy of ``calls`` would
    # have to drop a table that triggers and foreign keys refer to
    op.drop_column("calls", "duplicate_of")
