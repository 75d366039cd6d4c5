"""The staff console's tables: accounts, sign-in sessions, case work (assignment, history,
notes) and the append-only audit log. The cases themselves are `casebook.models.Case`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from casebook.clock import utc_now


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


class LoginCounter(SQLModel, table=True):
    """Wrong passwords within a window, counted for one account, one client, and one account from
    one client (api/console/throttle.py). Kept whether or not the account exists, so lockouts do
    not reveal which usernames are real. The client is a hash of its address, never the address."""

    __tablename__ = "console_login_counters"

    key: str = Field(primary_key=True, max_length=100)  # "account:zhang", "client:…", "pair:zhang:…"
    username: str | None = Field(default=None, max_length=32, index=True)
    failures: int = 0  # since the window opened (the last success, lockout, or a quiet spell)
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
    # For the idle timeout; written at most once a minute, not on every page.
    last_seen_at: datetime | None = None


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
    """Who viewed or changed which case, and sign-ins. Written only by `casebook.audit.record`;
    the database itself refuses to update or delete a row (triggers: casebook/audit_guards.py)."""

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
    # The hash chain (casebook/audit_chain.py): the previous row's hash, and this row's hash of
    # its content and that link. None only on rows written before the chain existed.
    prev_hash: str | None = Field(default=None, max_length=64)
    row_hash: str | None = Field(default=None, max_length=64)


class AuditHead(SQLModel, table=True):
    """The end of the audit chain: how many chained rows there are and the last one's hash.
    Every audit write updates this one row first, which also makes writers take turns, so no
    two rows ever link to the same predecessor."""

    __tablename__ = "console_audit_head"

    id: int = Field(default=1, primary_key=True)
    rows: int = 0
    last_hash: str = Field(default="", max_length=64)
