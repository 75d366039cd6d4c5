"""Database engine and sessions. SQLite (WAL, shared with Rasa's tracker store) or PostgreSQL.

The schema is Alembic's (casebook/migrations, docs/database.md); init_db runs `upgrade head`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import create_engine

# The WeChat channel's tables are the API's own (api/channels/wechat_tables.py): the API registers them.
from casebook import tables  # noqa: F401

# Error messages would otherwise quote the statement's values (names, phones) into the logs.
HIDE_PARAMETERS = True


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
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 10}, hide_parameters=HIDE_PARAMETERS
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # pre_ping: after a PostgreSQL restart the pool's dead connections are replaced, not handed out.
    return create_engine(url, pool_pre_ping=True, hide_parameters=HIDE_PARAMETERS)


def init_db(engine: Engine) -> None:
    """Bring the database to the newest migration (casebook/migrations); safe when processes start at once."""
    from casebook import schema  # Alembic (~0.25 s to import) only in processes that migrate

    schema.upgrade(engine)
