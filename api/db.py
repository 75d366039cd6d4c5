"""Database engine and sessions. SQLite (WAL, shared with Rasa's tracker store) or PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, event, inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel, create_engine

from api import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from api.channels import wechat_tables  # noqa: F401  (the WeChat channel's recipients and nonces)
from api.console import models as console_models  # noqa: F401  (the console's tables)
from casebook import office_entries  # noqa: F401  (the office's own knowledge entries)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the API, the action server and Rasa (another Python) read and write one file.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _owner_only(database: Path) -> None:
    """The database holds every resident's data: readable by this account only (review M7).

    SQLite gives its -wal and -shm files the database file's mode, so creating it 0600 is enough;
    files made earlier under a looser umask are tightened too."""
    os.close(os.open(database, os.O_CREAT | os.O_RDWR, 0o600))
    for file in (database, database.with_name(database.name + "-wal"), database.with_name(database.name + "-shm")):
        if file.exists() and file.stat().st_mode & 0o077:
            file.chmod(0o600)


def create_db_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            _owner_only(Path(path))
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


# Columns added to tables after they first shipped: create_all never alters an existing table and
# there are no migrations yet, so a database made earlier gets them here. Alembic replaces this.
ADDED_COLUMNS: list[tuple[str, str, str]] = [
    ("console_case_work", "outcome", "VARCHAR(32)"),
    ("knowledge_gaps", "point", "VARCHAR(500)"),
    # Issue 13 (M6): a remote session's video room is its own random token.
    ("bookings", "room", "VARCHAR(64)"),
    # Issue 13 (M8, L5): the audit log's hash chain; a console session's last activity.
    ("console_audit", "prev_hash", "VARCHAR(64)"),
    ("console_audit", "row_hash", "VARCHAR(64)"),
    ("console_sessions", "last_seen_at", "TIMESTAMP"),
]


def _add_missing_columns(_metadata: Any, connection: Connection, **_: Any) -> None:
    inspector = inspect(connection)
    for table, column, sql_type in ADDED_COLUMNS:
        if not inspector.has_table(table):  # a create_all of other tables only
            continue
        if column not in {c["name"] for c in inspector.get_columns(table)}:
            connection.execute(text(f"ALTER TABLE {table} ADD COLUMN {column} {sql_type}"))


# Runs after every create_all (init_db), whether or not it created any table.
event.listen(SQLModel.metadata, "after_create", _add_missing_columns)


def init_db(engine: Engine) -> None:
    """Create missing tables and add columns that came later. (Alembic takes over with issue 15.)"""
    SQLModel.metadata.create_all(engine)
