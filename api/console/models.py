"""The staff console's tables: accounts, sign-in sessions, case work (assignment, history,
notes) and the append-only audit log. The cases themselves are `api.models.Case`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DDL, JSON, Column, event
from sqlmodel import Field, SQLModel

from api.models import utc_now


class StaffUser(SQLModel, table=True):
    """A person who signs in to the console. Created by `python -m api.console.admin`."""

    __tablename__ = "console_users"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, index=True, max_length=32)
    display_name: str = Field(max_length=50)
    role: str = Field(max_length=32)  # a role of api/console/roles.yml
    password_hash: str = Field(max_length=300)  # security.hash_password: scrypt with its parameters
    active: bool = True
    created_at: datetime = Field(default_factory=utc_now)


class LoginThrottle(SQLModel, table=True):
    """Wrong passwords in a row for one username, and the lockout they caused. Kept per username
    whether or not the account exists, so lockouts do not reveal which usernames are real."""

    __tablename__ = "console_login_throttle"

    username: str = Field(primary_key=True, max_length=32)
    failures: int = 0  # since the last success or lockout
    last_failure_at: datetime = Field(default_factory=utc_now, index=True)
    locked_until: datetime | None = None


class StaffSession(SQLModel, table=True):
    """A signed-in browser. The cookie carries a random token; only its SHA-256 is stored, so a
    copy of the database cannot be used to sign in."""

    __tablename__ = "console_sessions"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=64)
    user_id: int = Field(foreign_key="console_users.id", index=True)
    csrf_token: str = Field(max_length=64)  # every form of this session posts it back
    created_at: datetime = Field(default_factory=utc_now)
    expires_at: datetime


class CaseWork(SQLModel, table=True):
    """The console's state of one case, beside `cases.status`: who handles it and when it was
    accepted or finished. Kept in its own table so the cases table keeps its shape."""

    __tablename__ = "console_case_work"

    case_id: int = Field(primary_key=True, foreign_key="cases.id")
    assignee_id: int | None = Field(default=None, foreign_key="console_users.id", index=True)
    accepted_at: datetime | None = None
    closed_at: datetime | None = None  # closed or not accepted
    not_accepted_reason: str | None = Field(default=None, max_length=500)
    # What the close recorded (an outcome id of workflow.yml: mediation success, legal-aid decision).
    outcome: str | None = Field(default=None, max_length=32)


class CaseEvent(SQLModel, table=True):
    """One step in a case's history, shown on the case page: a status change or an assignment."""

    __tablename__ = "console_case_events"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    actor_id: int = Field(foreign_key="console_users.id")
    action: str = Field(max_length=16)  # "status" or "assign"
    from_value: str | None = Field(default=None, max_length=64)
    to_value: str | None = Field(default=None, max_length=64)
    reason: str | None = Field(default=None, max_length=500)
    at: datetime = Field(default_factory=utc_now)


class CaseNote(SQLModel, table=True):
    """A note a staff member added to a case (call made, materials missing, ...)."""

    __tablename__ = "console_case_notes"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    author_id: int = Field(foreign_key="console_users.id")
    text: str = Field(max_length=2000)
    created_at: datetime = Field(default_factory=utc_now)


class AuditEntry(SQLModel, table=True):
    """Who viewed or changed which case, and sign-ins. Written only by `api.console.audit.record`;
    the database itself refuses to update or delete a row (triggers below)."""

    __tablename__ = "console_audit"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utc_now, index=True)
    actor_id: int | None = Field(default=None, foreign_key="console_users.id")
    # The username as it was (also for failed sign-ins of unknown names), never a resident's data.
    actor: str = Field(max_length=32)
    action: str = Field(max_length=32, index=True)
    case_id: int | None = Field(default=None, foreign_key="cases.id", index=True)
    case_reference: str | None = Field(default=None, max_length=32)
    # What changed (from/to, counts, filters); strings are masked by audit.record.
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


# Append-only in the database as well as in code: a stray UPDATE or DELETE (a script, a future
# route) fails instead of rewriting history.
_APPEND_ONLY_SQLITE = [
    DDL(  # type: ignore[no-untyped-call]
        f"CREATE TRIGGER IF NOT EXISTS console_audit_no_{verb.lower()} BEFORE {verb} ON console_audit "
        "BEGIN SELECT RAISE(ABORT, 'console_audit is append-only'); END"
    )
    for verb in ("UPDATE", "DELETE")
]
_APPEND_ONLY_POSTGRESQL = [
    DDL(  # type: ignore[no-untyped-call]
        "CREATE OR REPLACE FUNCTION console_audit_append_only() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'console_audit is append-only'; END; $$ LANGUAGE plpgsql"
    ),
    DDL(  # type: ignore[no-untyped-call]
        "CREATE TRIGGER console_audit_append_only BEFORE UPDATE OR DELETE ON console_audit "
        "FOR EACH ROW EXECUTE FUNCTION console_audit_append_only()"
    ),
]
_audit_table = SQLModel.metadata.tables["console_audit"]
for _ddl in _APPEND_ONLY_SQLITE:
    event.listen(_audit_table, "after_create", _ddl.execute_if(dialect="sqlite"))
for _ddl in _APPEND_ONLY_POSTGRESQL:
    event.listen(_audit_table, "after_create", _ddl.execute_if(dialect="postgresql"))
