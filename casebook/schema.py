"""The app's database schema under Alembic: `upgrade` brings any database to the newest revision.

Every process that opens the database (API, action server, scripts) calls it at start (via
`casebook.db.init_db`), so two may call it at once: the upgrade runs under a lock, PostgreSQL's advisory
lock or SQLite's write lock, and the second finds the work done. A database made before migrations
existed (tables, no `alembic_version`) is adopted by the baseline, which creates only what is
missing; the audit log's triggers are put back on every upgrade (casebook/audit_guards.py).
Rasa's own tables (`events`) share the database but belong to Rasa: migrations and the
model comparison never look at them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, MetaData, text
from sqlalchemy.engine import Engine

from casebook import audit_guards

MIGRATIONS = Path(__file__).with_name("migrations")
# Any constant both processes agree on; the ASCII of "legalsvc" as a bigint.
ADVISORY_LOCK_KEY = 0x6C6567616C737663


def app_metadata() -> MetaData:
    """Every app table this process has imported, as the models declare it today: casebook's always;
    the API's channel tables once the API (or a test) has imported them. A table not imported here
    is left alone by the comparison, never reported as one to drop."""
    from sqlmodel import SQLModel

    import casebook.tables  # noqa: F401  (registers casebook's tables)

    return SQLModel.metadata


def owned_by_app(name: str | None, type_: str, _parents: Any) -> bool:
    """Alembic's include_name: tables other than the app's (Rasa's `events`) are not ours to compare."""
    return type_ != "table" or name in app_metadata().tables


def alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None, "casebook/migrations/versions holds no revision"
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate to `revision` in one transaction, holding the lock that keeps other processes out."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # Held until the transaction ends; a second process waits here, then finds nothing to do.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
        elif connection.dialect.name == "sqlite":
            # Take the write lock before reading the version, not at the first CREATE (busy_timeout waits).
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        command.upgrade(alembic_config(connection), revision)
        audit_guards.install(connection)
        connection.commit()


def pending_changes(engine: Engine) -> list[Any]:
    """What autogenerate would still write: empty when the migrations produce the models' schema."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_name": owned_by_app})
        return list(compare_metadata(context, app_metadata()))
