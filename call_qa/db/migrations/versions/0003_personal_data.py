"""personal data: findings, kept originals, exposure flags and the retention record

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28

Owned by the personal-data issue (#9); tables described in call_qa/db/personal_data.py.

Notes for reviewers:
- ``personal_data_findings.value`` and ``call_originals.utterances`` hold originals and
  are nullable: the retention flow sets them to NULL after the configured days.
- ``retention_records`` has no foreign key on purpose: the record of a deletion must
  outlive the call it describes.
- CHECK lists are spelled out here, not imported, so the migration keeps describing the
  schema as it was written.
"""

from __future__ import annotations

from typing import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TYPES = "'nik', 'npwp', 'phone', 'email', 'account', 'card', 'dob', 'address', 'name'"


def _call_pk(table: str) -> list[sa.SchemaItem]:
    return [
        sa.Column("call_pk", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["call_pk"], ["calls.id"], name=op.f(f"fk_{table}_call_pk_calls"), ondelete="CASCADE"),
    ]


def upgrade() -> None:
    op.create_table(
        "personal_data_findings",
        sa.Column("id", sa.Integer(), nullable=False),
        *_call_pk("personal_data_findings"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("start_s", sa.Double(), nullable=False),
        sa.Column("end_s", sa.Double(), nullable=False),
        sa.Column("words", sa.JSON(), nullable=False),
        sa.Column("speaker", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("confidence", sa.Double(), nullable=False),
        sa.Column("form", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personal_data_findings")),
        sa.UniqueConstraint("call_pk", "position", name=op.f("uq_personal_data_findings_call_pk_position")),
        sa.CheckConstraint(f"type IN ({TYPES})", name=op.f("ck_personal_data_findings_type")),
    )
    op.create_index(op.f("ix_personal_data_findings_type"), "personal_data_findings", ["type"])

    op.create_table(
        "privacy_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        *_call_pk("privacy_flags"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("start_s", sa.Double(), nullable=False),
        sa.Column("end_s", sa.Double(), nullable=False),
        sa.Column("speaker", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("confidence", sa.Double(), nullable=False),
        sa.Column("critical", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_flags")),
        sa.UniqueConstraint("call_pk", "position", name=op.f("uq_privacy_flags_call_pk_position")),
    )

    op.create_table(
        "call_originals",
        *_call_pk("call_originals"),
        sa.Column("utterances", sa.JSON(), nullable=True),
        sa.Column("kept_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("call_pk", name=op.f("pk_call_originals")),
    )

    op.create_table(
        "retention_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.String(length=255), nullable=False),
        sa.Column("what", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_records")),
        sa.CheckConstraint("what IN ('audio', 'originals')", name=op.f("ck_retention_records_what")),
    )
    op.create_index(op.f("ix_retention_records_call_id"), "retention_records", ["call_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_retention_records_call_id"), table_name="retention_records")
    op.drop_table("retention_records")
    op.drop_table("call_originals")
    op.drop_table("privacy_flags")
    op.drop_index(op.f("ix_personal_data_findings_type"), table_name="personal_data_findings")
    op.drop_table("personal_data_findings")
