"""accounts and access: web-app users, login sessions, the access log, web indexes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28

Owned by the web app (issue #7). Written by hand to match call_qa/db/accounts.py;
tests/db/test_db_migrations.py checks that upgrade gives exactly the models' schema.

Notes for reviewers:
- ``users.role`` is VARCHAR + CHECK like the enumerations of 0001.
- ``web_sessions`` stores the SHA-256 of each session token, never the token.
- ``access_log.call_id`` is a plain copy, not a foreign key: the record that someone
  viewed a call's personal data must outlive the call.
- ``call_timing`` mirrors 15 ``call_metrics`` values per call as columns, kept in
  step by triggers (SQLite) / a PL/pgSQL trigger function (PostgreSQL) on
  ``call_metrics``; the supervisor aggregates read it instead of pivoting.
- The indexes on ``calls``, ``call_metrics``, ``scorecards``, ``item_results`` and
  ``item_overrides`` serve the web app's
  list (date, team, score), dashboard (date), calibration (decision time) and
  review-queue (verdict) and flag (metric value) queries.
"""

from __future__ import annotations

from typing import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

USER_ROLES = "'qa_officer', 'supervisor', 'admin'"

_WEB_INDEXES = (
    ("ix_calls_recorded_at", "calls", ["recorded_at"]),
    ("ix_calls_processed_at", "calls", ["processed_at"]),
    ("ix_calls_team", "calls", ["team"]),
    ("ix_scorecards_score", "scorecards", ["score"]),
    ("ix_item_overrides_created_at", "item_overrides", ["created_at"]),
    ("ix_item_results_verdict", "item_results", ["verdict"]),
    ("ix_call_metrics_name_value_call_pk", "call_metrics", ["name", "value", "call_pk"]),
)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=128), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
        sa.CheckConstraint(f"role IN ({USER_ROLES})", name=op.f("ck_users_role")),
    )
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_web_sessions_token_hash")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_web_sessions_user_id_users"), ondelete="CASCADE"
        ),
    )
    op.create_index(op.f("ix_web_sessions_expires_at"), "web_sessions", ["expires_at"])
    op.create_table(
        "access_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_name", sa.String(length=128), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("call_id", sa.String(length=255), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_log")),
    )
    op.create_index(op.f("ix_access_log_at"), "access_log", ["at"])
    op.create_index(op.f("ix_access_log_call_id"), "access_log", ["call_id"])
    for name, table, columns in _WEB_INDEXES:
        op.create_index(op.f(name), table, columns)
    # A call's time (recorded_at, else processed_at): the list's order and date ranges.
    op.create_index(op.f("ix_calls_when"), "calls", [sa.text("coalesce(recorded_at, processed_at)")])
    _create_call_timing()


# Spelled out (not imported): the migration describes the schema as of this revision.
ROLLUP_METRICS = (
    "agent_talk_s", "customer_talk_s", "overtalk_s", "agent_interruptions", "customer_interruptions",
    "hold_count", "hold_total_s", "hold_over_limit", "hold_unannounced", "transfer_count",
    "dead_air_count", "dead_air_total_s", "hold_longest_s", "dead_air_longest_s", "agent_wpm",
)


def _create_call_timing() -> None:
    """call_timing: one wide row of timing metrics per call, kept in step with
    call_metrics by triggers (see call_qa/db/rollup.py), and filled from the rows
    already there."""
    op.create_table(
        "call_timing",
        sa.Column("call_pk", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Double(), nullable=True) for name in ROLLUP_METRICS),
        sa.PrimaryKeyConstraint("call_pk", name=op.f("pk_call_timing")),
        sa.ForeignKeyConstraint(
            ["call_pk"], ["calls.id"], name=op.f("fk_call_timing_call_pk_calls"), ondelete="CASCADE"
        ),
    )
    names = ", ".join(f"'{n}'" for n in ROLLUP_METRICS)
    columns = ", ".join(ROLLUP_METRICS)
    pivot = ", ".join(f"MAX(CASE WHEN name = '{n}' THEN value END)" for n in ROLLUP_METRICS)
    op.execute(
        f"INSERT INTO call_timing (call_pk, {columns}) SELECT call_pk, {pivot} FROM call_metrics "
        f"WHERE name IN ({names}) GROUP BY call_pk"
    )
    set_new = ", ".join(f"{n} = CASE WHEN NEW.name = '{n}' THEN NEW.value ELSE {n} END" for n in ROLLUP_METRICS)
    set_old = ", ".join(f"{n} = CASE WHEN OLD.name = '{n}' THEN NULL ELSE {n} END" for n in ROLLUP_METRICS)
    if op.get_context().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION call_timing_sync() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            "BEGIN\n"
            "  IF TG_OP = 'INSERT' THEN\n"
            f"    IF NEW.name IN ({names}) THEN\n"
            "      INSERT INTO call_timing (call_pk) VALUES (NEW.call_pk) ON CONFLICT (call_pk) DO NOTHING;\n"
            f"      UPDATE call_timing SET {set_new} WHERE call_pk = NEW.call_pk;\n"
            "    END IF;\n"
            "    RETURN NEW;\n"
            "  END IF;\n"
            f"  IF OLD.name IN ({names}) THEN\n"
            f"    UPDATE call_timing SET {set_old} WHERE call_pk = OLD.call_pk;\n"
            "  END IF;\n"
            "  RETURN OLD;\n"
            "END $$"
        )
        op.execute(
            "CREATE TRIGGER call_timing_sync AFTER INSERT OR DELETE ON call_metrics "
            "FOR EACH ROW EXECUTE FUNCTION call_timing_sync()"
        )
    else:
        op.execute(
            f"CREATE TRIGGER call_timing_insert AFTER INSERT ON call_metrics WHEN NEW.name IN ({names}) BEGIN "
            "INSERT OR IGNORE INTO call_timing (call_pk) VALUES (NEW.call_pk); "
            f"UPDATE call_timing SET {set_new} WHERE call_pk = NEW.call_pk; END"
        )
        op.execute(
            f"CREATE TRIGGER call_timing_delete AFTER DELETE ON call_metrics WHEN OLD.name IN ({names}) BEGIN "
            f"UPDATE call_timing SET {set_old} WHERE call_pk = OLD.call_pk; END"
        )


def _drop_call_timing() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS call_timing_sync ON call_metrics")
        op.execute("DROP FUNCTION IF EXISTS call_timing_sync()")
    else:
        op.execute("DROP TRIGGER IF EXISTS call_timing_insert")
        op.execute("DROP TRIGGER IF EXISTS call_timing_delete")
    op.drop_table("call_timing")


def downgrade() -> None:
    _drop_call_timing()
    op.drop_index(op.f("ix_calls_when"), table_name="calls")
    for name, table, _ in reversed(_WEB_INDEXES):
        op.drop_index(op.f(name), table_name=table)
    op.drop_index(op.f("ix_access_log_call_id"), table_name="access_log")
    op.drop_index(op.f("ix_access_log_at"), table_name="access_log")
    op.drop_table("access_log")
    op.drop_index(op.f("ix_web_sessions_expires_at"), table_name="web_sessions")
    op.drop_table("web_sessions")
    op.drop_table("users")
