"""accounts and access: web-app users and the log of who opened what

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28

Owned by the web app (issue #7). Placeholder until its tables are written.
"""

from __future__ import annotations

from typing import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
