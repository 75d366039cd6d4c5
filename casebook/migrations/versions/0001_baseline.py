"""Baseline: the app's tables as they stood when migrations arrived (issue 15).

Also adopts a database made by an earlier release (tables made by create_all, no alembic_version):
it creates only the tables that are missing and adds the columns that came after a table first
shipped (the retired ADDED_COLUMNS hook). On a new database that is simply the whole schema.
The audit log's triggers are not here: casebook/audit_guards.py installs them on every start.

A frozen copy, on purpose: later model changes get a revision of their own, never an edit here.

Revision ID: 0001
Revises:
Create Date: 2026-12-06
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

metadata = sa.MetaData()

sa.Table(
    "cases",
    metadata,
    sa.Column(
        "kind",
        sa.Enum("handoff", "danger", "mediation", "legal_aid", "notarization", "lawyer", name="casekind"),
        nullable=False,
    ),
    sa.Column("conversation_id", sa.String(length=128), nullable=False),
    sa.Column("channel", sa.String(length=32), nullable=False),
    sa.Column("area", sa.String(length=32), nullable=True),
    sa.Column("route", sa.String(length=32), nullable=True),
    sa.Column("applicant_name", sa.String(length=50), nullable=True),
    sa.Column("phone", sa.String(length=20), nullable=True),
    sa.Column("details", sa.JSON(), nullable=False),
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("reference", sa.String(length=32), nullable=False),
    sa.Column(
        "status", sa.Enum("new", "accepted", "in_progress", "closed", "not_accepted", name="casestatus"), nullable=False
    ),
    sa.Column("open_key", sa.String(length=200), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("open_key"),
    sa.Index("ix_cases_conversation_id", "conversation_id"),
    sa.Index("ix_cases_phone", "phone"),
    sa.Index("ix_cases_reference", "reference", unique=True),
)

sa.Table(
    "console_audit_head",
    metadata,
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("rows", sa.Integer(), nullable=False),
    sa.Column("last_hash", sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint("id"),
)

sa.Table(
    "console_login_counters",
    metadata,
    sa.Column("key", sa.String(length=100), nullable=False),
    sa.Column("username", sa.String(length=32), nullable=True),
    sa.Column("failures", sa.Integer(), nullable=False),
    sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint("key"),
    sa.Index("ix_console_login_counters_last_failure_at", "last_failure_at"),
    sa.Index("ix_console_login_counters_username", "username"),
)

sa.Table(
    "console_users",
    metadata,
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("username", sa.String(length=32), nullable=False),
    sa.Column("display_name", sa.String(length=50), nullable=False),
    sa.Column("role", sa.String(length=32), nullable=False),
    sa.Column("password_hash", sa.String(length=300), nullable=False),
    sa.Column("active", sa.Boolean(), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("id"),
    sa.Index("ix_console_users_username", "username", unique=True),
)

sa.Table(
    "knowledge_gaps",
    metadata,
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("conversation_id", sa.String(length=128), nullable=False),
    sa.Column("question", sa.String(length=2000), nullable=False),
    sa.Column("point", sa.String(length=500), nullable=True),
    sa.Column("best_entry_id", sa.String(length=100), nullable=True),
    sa.Column("best_score", sa.Float(), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("id"),
    sa.Index("ix_knowledge_gaps_conversation_id", "conversation_id"),
)

sa.Table(
    "lookup_attempts",
    metadata,
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("conversation_id", sa.String(length=128), nullable=False),
    sa.Column("client", sa.String(length=32), nullable=True),
    sa.Column("action", sa.Enum("status", "cancel", name="lookupaction"), nullable=False),
    sa.Column("reference", sa.String(length=32), nullable=False),
    sa.Column("found", sa.Boolean(), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("id"),
    sa.Index("ix_lookup_attempts_at", "at"),
    sa.Index("ix_lookup_attempts_client", "client"),
    sa.Index("ix_lookup_attempts_conversation_id", "conversation_id"),
)

sa.Table(
    "office_entries",
    metadata,
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("status", sa.Enum("draft", "approved", "withdrawn", name="entrystatus"), nullable=False),
    sa.Column("area", sa.String(length=32), nullable=False),
    sa.Column("sub_area", sa.String(length=30), nullable=False),
    sa.Column("questions", sa.JSON(), nullable=False),
    sa.Column("answer", sa.String(length=400), nullable=False),
    sa.Column("citations", sa.JSON(), nullable=False),
    sa.Column("route", sa.String(length=32), nullable=True),
    sa.Column("gap_id", sa.Integer(), nullable=True),
    sa.Column("author", sa.String(length=32), nullable=False),
    sa.Column("approver", sa.String(length=32), nullable=True),
    sa.Column("withdrawn_by", sa.String(length=32), nullable=True),
    sa.Column("reviewed_on", sa.Date(), nullable=True),
    sa.Column("relies_on", sa.JSON(), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint("id"),
    sa.Index("ix_office_entries_gap_id", "gap_id"),
    sa.Index("ix_office_entries_status", "status"),
    sa.Index("ix_office_entries_updated_at", "updated_at"),
)

sa.Table(
    "ratings",
    metadata,
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("conversation_id", sa.String(length=128), nullable=False),
    sa.Column("score", sa.Integer(), nullable=False),
    sa.Column("route", sa.String(length=32), nullable=True),
    sa.Column("channel", sa.String(length=32), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("id"),
    sa.Index("ix_ratings_conversation_id", "conversation_id"),
    sa.Index("ix_ratings_created_at", "created_at"),
)

sa.Table(
    "wechat_callbacks",
    metadata,
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("message_key", sa.String(length=200), nullable=False),
    sa.Column("reply", sa.String(length=4000), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("message_key"),
    sa.Index("ix_wechat_callbacks_created_at", "created_at"),
)

sa.Table(
    "wechat_choices",
    metadata,
    sa.Column("user_key", sa.String(length=64), nullable=False),
    sa.Column("choices", sa.JSON(), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("user_key"),
)

sa.Table(
    "wechat_nonces",
    metadata,
    sa.Column("url_key", sa.String(length=64), nullable=False),
    sa.Column("body_digest", sa.String(length=64), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("url_key"),
    sa.Index("ix_wechat_nonces_expires_at", "expires_at"),
)

sa.Table(
    "wechat_recipients",
    metadata,
    sa.Column("conversation_id", sa.String(length=64), nullable=False),
    sa.Column("openid", sa.String(length=64), nullable=False),
    sa.Column("last_message_at", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("conversation_id"),
    sa.Index("ix_wechat_recipients_last_message_at", "last_message_at"),
)

sa.Table(
    "bookings",
    metadata,
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("case_id", sa.Integer(), nullable=False),
    sa.Column("resource_id", sa.String(length=64), nullable=False),
    sa.Column("start", sa.DateTime(), nullable=False),
    sa.Column("end", sa.DateTime(), nullable=False),
    sa.Column("status", sa.Enum("booked", "cancelled", name="bookingstatus"), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("room", sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
    sa.PrimaryKeyConstraint("id"),
    sa.Index("ix_bookings_case_id", "case_id"),
    sa.Index(
        "uq_bookings_live_slot",
        "resource_id",
        "start",
        unique=True,
        sqlite_where=sa.text("status = 'booked'"),
        postgresql_where=sa.text("status = 'booked'"),
    ),
)

sa.Table(
    "console_audit",
    metadata,
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor_id", sa.Integer(), nullable=True),
    sa.Column("actor", sa.String(length=32), nullable=False),
    sa.Column("action", sa.String(length=32), nullable=False),
    sa.Column("case_id", sa.Integer(), nullable=True),
    sa.Column("case_reference", sa.String(length=32), nullable=True),
    sa.Column("detail", sa.JSON(), nullable=False),
    sa.Column("prev_hash", sa.String(length=64), nullable=True),
    sa.Column("row_hash", sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(["actor_id"], ["console_users.id"]),
    sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
    sa.PrimaryKeyConstraint("id"),
    sa.Index("ix_console_audit_action", "action"),
    sa.Index("ix_console_audit_at", "at"),
    sa.Index("ix_console_audit_case_id", "case_id"),
)

sa.Table(
    "console_case_events",
    metadata,
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("case_id", sa.Integer(), nullable=False),
    sa.Column("actor_id", sa.Integer(), nullable=False),
    sa.Column("action", sa.String(length=16), nullable=False),
    sa.Column("from_value", sa.String(length=64), nullable=True),
    sa.Column("to_value", sa.String(length=64), nullable=True),
    sa.Column("reason", sa.String(length=500), nullable=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["actor_id"], ["console_users.id"]),
    sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
    sa.PrimaryKeyConstraint("id"),
    sa.Index("ix_console_case_events_case_id", "case_id"),
)

sa.Table(
    "console_case_notes",
    metadata,
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("case_id", sa.Integer(), nullable=False),
    sa.Column("author_id", sa.Integer(), nullable=False),
    sa.Column("text", sa.String(length=2000), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["author_id"], ["console_users.id"]),
    sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
    sa.PrimaryKeyConstraint("id"),
    sa.Index("ix_console_case_notes_case_id", "case_id"),
)

sa.Table(
    "console_case_work",
    metadata,
    sa.Column("case_id", sa.Integer(), nullable=False),
    sa.Column("assignee_id", sa.Integer(), nullable=True),
    sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("not_accepted_reason", sa.String(length=500), nullable=True),
    sa.Column("outcome", sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(["assignee_id"], ["console_users.id"]),
    sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
    sa.PrimaryKeyConstraint("case_id"),
    sa.Index("ix_console_case_work_assignee_id", "assignee_id"),
)

sa.Table(
    "console_sessions",
    metadata,
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("token_hash", sa.String(length=64), nullable=False),
    sa.Column("user_id", sa.Integer(), nullable=False),
    sa.Column("csrf_token", sa.String(length=64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(["user_id"], ["console_users.id"]),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("token_hash"),
    sa.Index("ix_console_sessions_user_id", "user_id"),
)


# Columns added to tables after they first shipped, which an older database may lack.
LATER_COLUMNS: list[tuple[str, str, Any]] = [
    ("console_case_work", "outcome", sa.String(length=32)),
    ("knowledge_gaps", "point", sa.String(length=500)),
    ("bookings", "room", sa.String(length=64)),  # issue 13 (M6): a remote session's own video room
    ("console_audit", "prev_hash", sa.String(length=64)),  # issue 13 (M8): the audit hash chain
    ("console_audit", "row_hash", sa.String(length=64)),
    ("console_sessions", "last_seen_at", sa.DateTime(timezone=True)),  # issue 13 (L5): idle timeout
]


def upgrade() -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    existing = set(inspector.get_table_names())
    for table in metadata.sorted_tables:
        if table.name not in existing:
            table.create(bind)
    for table_name, column, column_type in LATER_COLUMNS:
        if table_name in existing and column not in {c["name"] for c in inspector.get_columns(table_name)}:
            op.add_column(table_name, sa.Column(column, column_type, nullable=True))


def downgrade() -> None:
    bind = op.get_bind()
    metadata.drop_all(bind)  # their triggers go with the tables
    if bind.dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS console_audit_append_only()")
