"""initial schema: calls and their results, scorecards, QA overrides

Revision ID: 0001
Revises:
Create Date: 2026-11-28

Reviewed: written by hand to match call_qa/db/models.py; tests/db/test_migrations.py
checks that upgrade produces exactly the models' schema (Alembic compare_metadata) and
that downgrade to base and upgrade again work, on SQLite and PostgreSQL.

Notes for reviewers:
- Enumerations are VARCHAR + CHECK (not native PostgreSQL ENUM types) so a new value
  is a CHECK change on both databases, and downgrade has no types to drop.
- Every foreign key to ``calls`` cascades on delete; ``item_overrides.item_result_id``
  is SET NULL so a QA decision outlives the computed result it was made against.
- The CHECK lists are spelled out (not imported from call_qa.domain) on purpose: a
  migration must keep describing the schema as it was when it was written.
"""

from __future__ import annotations

from typing import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES = "'agent', 'customer', 'other'"
VERDICTS = "'pass', 'partial', 'fail', 'not_applicable', 'needs_review'"


def _call_pk(table: str) -> list[sa.SchemaItem]:
    return [
        sa.Column("call_pk", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_pk"], ["calls.id"], name=op.f(f"fk_{table}_call_pk_calls"), ondelete="CASCADE"
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.String(length=255), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("settings_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("duration_s", sa.Double(), nullable=False),
        sa.Column("channels", sa.Integer(), nullable=False),
        sa.Column("layout", sa.String(length=16), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agent_id", sa.String(length=128), nullable=True),
        sa.Column("team", sa.String(length=128), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calls")),
        sa.UniqueConstraint("call_id", name=op.f("uq_calls_call_id")),
        sa.CheckConstraint("status IN ('ok', 'failed')", name=op.f("ck_calls_status")),
        sa.CheckConstraint(
            "layout IS NULL OR layout IN ('stereo', 'mono')", name=op.f("ck_calls_layout")
        ),
    )
    op.create_index(op.f("ix_calls_agent_id"), "calls", ["agent_id"])
    op.create_index(
        op.f("ix_calls_content_hash_settings_hash"), "calls", ["content_hash", "settings_hash"]
    )

    op.create_table(
        "speakers",
        sa.Column("id", sa.Integer(), nullable=False),
        *_call_pk("speakers"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("role_confidence", sa.Double(), nullable=False),
        sa.Column("talk_s", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_speakers")),
        sa.UniqueConstraint("call_pk", "position", name=op.f("uq_speakers_call_pk_position")),
        sa.CheckConstraint(f"role IN ({ROLES})", name=op.f("ck_speakers_role")),
    )

    op.create_table(
        "utterances",
        sa.Column("id", sa.Integer(), nullable=False),
        *_call_pk("utterances"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("start_s", sa.Double(), nullable=False),
        sa.Column("end_s", sa.Double(), nullable=False),
        sa.Column("speaker", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("words", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_utterances")),
        sa.UniqueConstraint("call_pk", "position", name=op.f("uq_utterances_call_pk_position")),
        sa.CheckConstraint(f"role IN ({ROLES})", name=op.f("ck_utterances_role")),
    )

    op.create_table(
        "turns",
        sa.Column("id", sa.Integer(), nullable=False),
        *_call_pk("turns"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("start_s", sa.Double(), nullable=False),
        sa.Column("end_s", sa.Double(), nullable=False),
        sa.Column("speaker", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("backchannel", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_turns")),
        sa.UniqueConstraint("call_pk", "position", name=op.f("uq_turns_call_pk_position")),
        sa.CheckConstraint(f"role IN ({ROLES})", name=op.f("ck_turns_role")),
    )

    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        *_call_pk("events"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("start_s", sa.Double(), nullable=False),
        sa.Column("end_s", sa.Double(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("call_pk", "position", name=op.f("uq_events_call_pk_position")),
        sa.CheckConstraint(
            "type IN ('interruption', 'hold', 'transfer', 'dead_air')", name=op.f("ck_events_type")
        ),
    )
    op.create_index(op.f("ix_events_type"), "events", ["type"])

    op.create_table(
        "call_metrics",
        *_call_pk("call_metrics"),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("value", sa.Double(), nullable=True),
        sa.Column("is_integer", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("call_pk", "name", name=op.f("pk_call_metrics")),
    )
    op.create_index(op.f("ix_call_metrics_name"), "call_metrics", ["name"])

    op.create_table(
        "scorecards",
        sa.Column("id", sa.Integer(), nullable=False),
        *_call_pk("scorecards"),
        sa.Column("rubric_id", sa.String(length=64), nullable=False),
        sa.Column("rubric_version", sa.String(length=32), nullable=False),
        sa.Column("score", sa.Double(), nullable=True),
        sa.Column("needs_review", sa.Integer(), nullable=False),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scorecards")),
        sa.UniqueConstraint("call_pk", name=op.f("uq_scorecards_call_pk")),
    )

    op.create_table(
        "item_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scorecard_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=128), nullable=False),
        sa.Column("section", sa.String(length=128), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("points", sa.Double(), nullable=False),
        sa.Column("max_points", sa.Double(), nullable=False),
        sa.Column("confidence", sa.Double(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("critical", sa.Boolean(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_results")),
        sa.ForeignKeyConstraint(
            ["scorecard_id"],
            ["scorecards.id"],
            name=op.f("fk_item_results_scorecard_id_scorecards"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "scorecard_id", "item_id", name=op.f("uq_item_results_scorecard_id_item_id")
        ),
        sa.UniqueConstraint(
            "scorecard_id", "position", name=op.f("uq_item_results_scorecard_id_position")
        ),
        sa.CheckConstraint(f"verdict IN ({VERDICTS})", name=op.f("ck_item_results_verdict")),
    )
    op.create_index(op.f("ix_item_results_item_id"), "item_results", ["item_id"])

    op.create_table(
        "item_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        *_call_pk("item_overrides"),
        sa.Column("item_id", sa.String(length=128), nullable=False),
        sa.Column("item_result_id", sa.Integer(), nullable=True),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("user_name", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_overrides")),
        sa.ForeignKeyConstraint(
            ["item_result_id"],
            ["item_results.id"],
            name=op.f("fk_item_overrides_item_result_id_item_results"),
            ondelete="SET NULL",
        ),
        sa.CheckConstraint(f"verdict IN ({VERDICTS})", name=op.f("ck_item_overrides_verdict")),
    )
    op.create_index(
        op.f("ix_item_overrides_call_pk_item_id"), "item_overrides", ["call_pk", "item_id"]
    )
    op.create_index(op.f("ix_item_overrides_item_result_id"), "item_overrides", ["item_result_id"])


def downgrade() -> None:
    # Children first: every table below references one dropped after it.
    op.drop_index(op.f("ix_item_overrides_item_result_id"), table_name="item_overrides")
    op.drop_index(op.f("ix_item_overrides_call_pk_item_id"), table_name="item_overrides")
    op.drop_table("item_overrides")
    op.drop_index(op.f("ix_item_results_item_id"), table_name="item_results")
    op.drop_table("item_results")
    op.drop_table("scorecards")
    op.drop_index(op.f("ix_call_metrics_name"), table_name="call_metrics")
    op.drop_table("call_metrics")
    op.drop_index(op.f("ix_events_type"), table_name="events")
    op.drop_table("events")
    op.drop_table("turns")
    op.drop_table("utterances")
    op.drop_table("speakers")
    op.drop_index(op.f("ix_calls_content_hash_settings_hash"), table_name="calls")
    op.drop_index(op.f("ix_calls_agent_id"), table_name="calls")
    op.drop_table("calls")
