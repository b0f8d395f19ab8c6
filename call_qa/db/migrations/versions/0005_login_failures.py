"""login rate limit: failed logins

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28

Owned by the web app (issue #7). ``login_failures`` is described in
call_qa/db/accounts.py: one row per failed login (time, username as typed, client
address), counted by the login rate limit (``web.login_*`` settings) and removed once
older than the window and lockout together. No foreign key: unknown usernames count too.
"""

from __future__ import annotations

from typing import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(length=128), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    op.create_index(op.f("ix_login_failures_username_at"), "login_failures", ["username", "at"])
    op.create_index(op.f("ix_login_failures_address_at"), "login_failures", ["address", "at"])
    op.create_index(op.f("ix_login_failures_at"), "login_failures", ["at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_login_failures_at"), table_name="login_failures")
    op.drop_index(op.f("ix_login_failures_address_at"), table_name="login_failures")
    op.drop_index(op.f("ix_login_failures_username_at"), table_name="login_failures")
    op.drop_table("login_failures")
