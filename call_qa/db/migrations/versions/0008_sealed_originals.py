"""personal data at rest: kept originals and finding values sealed with the site key

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-09

Owned by the personal-data-at-rest issue (#18). See call_qa/db/personal_data.py and
call_qa/crypto.py.

Notes for reviewers:
- ``call_originals.utterances`` and ``.heard`` become TEXT: an AES-GCM token
  ("v1.<base64>") once sealed; ``personal_data_findings.value`` stays TEXT and holds a
  token too. ``key_id`` (nullable) beside each names the key that sealed it.
- The migration cannot seal: the site key lives outside the database, and a migration
  must not need it. Rows written before it keep their clear text with ``key_id``
  NULL; they are still read, and ``call-qa keys rotate`` seals every one of them (the
  start-up check logs how many are left). Retention nulls them as before.
- Revision number: another branch may also add a 0008 (call identity); the lead
  re-chains the two at merge.
"""

from __future__ import annotations

from typing import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("call_originals") as batch:
        batch.alter_column("utterances", type_=sa.Text(), existing_type=sa.JSON(), existing_nullable=True,
                           postgresql_using="utterances::text")
        batch.alter_column("heard", type_=sa.Text(), existing_type=sa.JSON(), existing_nullable=True,
                           postgresql_using="heard::text")
        batch.add_column(sa.Column("key_id", sa.String(length=32), nullable=True))
    with op.batch_alter_table("personal_data_findings") as batch:
        batch.add_column(sa.Column("key_id", sa.String(length=32), nullable=True))


def downgrade() -> None:
    # Sealed rows cannot go back to JSON: they are deleted, as retention would.
    op.execute("UPDATE call_originals SET utterances = NULL, heard = NULL WHERE key_id IS NOT NULL")
    op.execute("UPDATE personal_data_findings SET value = NULL WHERE key_id IS NOT NULL")
    with op.batch_alter_table("personal_data_findings") as batch:
        batch.drop_column("key_id")
    with op.batch_alter_table("call_originals") as batch:
        batch.drop_column("key_id")
        batch.alter_column("heard", type_=sa.JSON(), existing_type=sa.Text(), existing_nullable=True,
                           postgresql_using="heard::json")
        batch.alter_column("utterances", type_=sa.JSON(), existing_type=sa.Text(), existing_nullable=True,
                           postgresql_using="utterances::json")
