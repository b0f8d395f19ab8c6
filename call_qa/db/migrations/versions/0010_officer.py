"""the QA officer's workspace: language per user, sign-offs, comments, claims

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08

Owned by the officer's workspace (issue #15). See call_qa/db/workflow.py and
call_qa/db/accounts.py.

Notes for reviewers:
- ``users.language`` (nullable): the user's UI language (``id`` or ``en``); NULL
  follows the browser's Accept-Language, defaulting to Bahasa Indonesia.
- ``call_signoffs`` (only inserted), ``call_comments`` (pinned to ``at_s`` seconds of
  the audio), ``call_claims`` (one per call, with an expiry) hang off ``calls.id`` with
  ON DELETE CASCADE.
"""

from __future__ import annotations

from typing import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("language", sa.String(length=8), nullable=True))
    op.create_table(
        "call_signoffs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_pk", sa.Integer(), nullable=False),
        sa.Column("user_name", sa.String(length=128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("score", sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(["call_pk"], ["calls.id"], name=op.f("fk_call_signoffs_call_pk_calls"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_signoffs")),
    )
    op.create_index(op.f("ix_call_signoffs_call_pk_id"), "call_signoffs", ["call_pk", "id"])
    op.create_table(
        "call_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_pk", sa.Integer(), nullable=False),
        sa.Column("user_name", sa.String(length=128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("at_s", sa.Double(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["call_pk"], ["calls.id"], name=op.f("fk_call_comments_call_pk_calls"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_comments")),
    )
    op.create_index(op.f("ix_call_comments_call_pk_id"), "call_comments", ["call_pk", "id"])
    op.create_table(
        "call_claims",
        sa.Column("call_pk", sa.Integer(), nullable=False),
        sa.Column("user_name", sa.String(length=128), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["call_pk"], ["calls.id"], name=op.f("fk_call_claims_call_pk_calls"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("call_pk", name=op.f("pk_call_claims")),
    )
    op.create_index(op.f("ix_call_claims_expires_at"), "call_claims", ["expires_at"])


def downgrade() -> None:
    op.drop_table("call_claims")
    op.drop_table("call_comments")
    op.drop_table("call_signoffs")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("language")
