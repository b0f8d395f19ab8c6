"""what was heard of a call, kept beside its originals, for the officer's swap

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08

Owned by the one-path issue (#14). See call_qa/db/personal_data.py.

Notes for reviewers:
- ``call_originals.heard`` (JSON, nullable) holds speaker activity, line sounds, second
  voices, given events and the roles used — no words: the words are the originals in
  ``utterances`` beside it. A swap of agent/customer re-runs the whole composition from
  the two (call_qa/compose.py). Retention sets both to NULL together.
- Rows written before this revision have ``heard`` NULL: a swap of such a call is
  refused with a message that says to re-process the recording.
"""

from __future__ import annotations

from typing import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("call_originals", sa.Column("heard", sa.JSON(none_as_null=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("call_originals") as batch:
        batch.drop_column("heard")
