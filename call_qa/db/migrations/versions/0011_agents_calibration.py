"""agents and calibration: the agent role, acknowledgements, disputes, calibration sessions

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08

Owned by the supervisors issue (#16). Written by hand to match call_qa/db/accounts.py
(``users.agent_id``, the ``agent`` role), call_qa/db/feedback.py and
call_qa/db/calibration.py.

Notes for reviewers:
- ``users.role``'s CHECK gains ``agent``; SQLite cannot alter a CHECK, so the table is
  rebuilt by Alembic's batch mode (rows and ids kept; sessions reference users by id).
- ``users.agent_id`` links an agent login to ``calls.agent_id`` (NULL for other roles).
- ``item_disputes`` keeps the verdict in force when disputed and who decided it, so
  the second review is refused to that officer even after later overrides.
- Calibration scores are apart from ``item_overrides``: they never change a scorecard.
"""

from __future__ import annotations

from typing import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_ROLES = "'qa_officer', 'supervisor', 'admin'"
NEW_ROLES = "'qa_officer', 'supervisor', 'admin', 'agent'"


def _call_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["call_pk"], ["calls.id"], name=op.f(f"fk_{table}_call_pk_calls"),
                                   ondelete="CASCADE")


def _session_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["session_id"], ["calibration_sessions.id"],
                                   name=op.f(f"fk_{table}_session_id_calibration_sessions"), ondelete="CASCADE")


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("agent_id", sa.String(length=128), nullable=True))
        batch.drop_constraint(op.f("ck_users_role"), type_="check")
        batch.create_check_constraint(op.f("ck_users_role"), sa.text(f"role IN ({NEW_ROLES})"))

    op.create_table(
        "call_acknowledgements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_pk", sa.Integer(), nullable=False),
        sa.Column("user_name", sa.String(length=128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        _call_fk("call_acknowledgements"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_acknowledgements")),
        sa.UniqueConstraint("call_pk", "user_name", name=op.f("uq_call_acknowledgements_call_pk_user_name")),
    )
    op.create_table(
        "item_disputes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_pk", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=128), nullable=False),
        sa.Column("user_name", sa.String(length=128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("resolved_by", sa.String(length=128), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("resolved_verdict", sa.String(length=16), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('open', 'upheld', 'changed')", name=op.f("ck_item_disputes_status")),
        _call_fk("item_disputes"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_disputes")),
    )
    op.create_index(op.f("ix_item_disputes_call_pk_item_id"), "item_disputes", ["call_pk", "item_id"])
    op.create_index(op.f("ix_item_disputes_status_created_at"), "item_disputes", ["status", "created_at"])
    op.create_index(op.f("ix_item_disputes_created_at"), "item_disputes", ["created_at"])

    op.create_table(
        "calibration_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calibration_sessions")),
    )
    op.create_table(
        "calibration_members",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("user_name", sa.String(length=128), nullable=False),
        _session_fk("calibration_members"),
        sa.PrimaryKeyConstraint("session_id", "user_name", name=op.f("pk_calibration_members")),
    )
    op.create_table(
        "calibration_calls",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("call_pk", sa.Integer(), nullable=False),
        _session_fk("calibration_calls"),
        _call_fk("calibration_calls"),
        sa.PrimaryKeyConstraint("session_id", "call_pk", name=op.f("pk_calibration_calls")),
    )
    op.create_table(
        "calibration_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("call_pk", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=128), nullable=False),
        sa.Column("user_name", sa.String(length=128), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        _session_fk("calibration_scores"),
        _call_fk("calibration_scores"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calibration_scores")),
        sa.UniqueConstraint("session_id", "call_pk", "item_id", "user_name",
                            name=op.f("uq_calibration_scores_session_id_call_pk_item_id_user_name")),
    )


def downgrade() -> None:
    for table in ("calibration_scores", "calibration_calls", "calibration_members", "calibration_sessions",
                  "item_disputes", "call_acknowledgements"):
        op.drop_table(table)
    op.execute("DELETE FROM web_sessions WHERE user_id IN (SELECT id FROM users WHERE role = 'agent')")
    op.execute("DELETE FROM users WHERE role = 'agent'")
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f("ck_users_role"), type_="check")
        batch.create_check_constraint(op.f("ck_users_role"), sa.text(f"role IN ({OLD_ROLES})"))
        batch.drop_column("agent_id")
