"""The schema under Alembic (casebook/schema.py, casebook/migrations): on SQLite and on PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Column, String, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError
from sqlmodel import Session, SQLModel, select

from casebook import audit, schema
from casebook.console_tables import AuditEntry, AuditHead, CaseWork
from casebook.db import create_db_engine, init_db
from casebook.models import Case, CaseKind
from scripts.pg_server import PostgresServer

PROJECT = Path(__file__).resolve().parents[3]
# Columns that came after their table first shipped: an older database lacks them.
LATER_COLUMNS = [
    ("console_case_work", "outcome"),
    ("knowledge_gaps", "point"),
    ("bookings", "room"),
    ("console_audit", "prev_hash"),
    ("console_audit", "row_hash"),
    ("console_sessions", "last_seen_at"),
]


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all, on each engine."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = f"empty_{abs(hash(request.node.nodeid)) % 10**8}"
    server.drop_database(name)
    server.create_database(name)
    yield server.url(name)
    server.drop_database(name)


def test_the_migrations_make_exactly_the_models_schema(engine: Engine) -> None:
    assert schema.current_revision(engine) == schema.head_revision()
    assert schema.pending_changes(engine) == []


def test_a_model_change_without_a_migration_is_found(engine: Engine) -> None:
    table = SQLModel.metadata.tables["ratings"]
    extra = Column("comment", String(200), nullable=True)
    table.append_column(extra)
    try:
        changes = schema.pending_changes(engine)
    finally:
        table._columns.remove(extra)  # the shared metadata goes back as it was
    assert [(change[0], change[3].name) for change in changes] == [("add_column", "comment")]


def test_rasas_tables_are_left_to_rasa(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255))"))
    assert schema.pending_changes(engine) == []
    init_db(engine)
    assert "events" in inspect(engine).get_table_names()


def test_a_database_made_by_an_earlier_release_is_adopted_with_its_data(empty_url: str) -> None:
    engine = create_db_engine(empty_url)
    try:
        # The old way: create_all, from a release before the later columns, and no alembic_version.
        SQLModel.metadata.create_all(engine)
        with engine.begin() as connection:
            for table, column in LATER_COLUMNS:
                connection.execute(text(f"ALTER TABLE {table} DROP COLUMN {column}"))
            connection.execute(
                text(
                    "INSERT INTO cases (kind, conversation_id, channel, details, reference, status, created_at, "
                    "updated_at) VALUES ('mediation', 'c1', 'web', '{}', 'TJ-1', 'new', :now, :now)"
                ),
                {"now": datetime.now(UTC)},
            )
            connection.execute(text("INSERT INTO console_case_work (case_id) VALUES (1)"))
        assert schema.current_revision(engine) is None

        init_db(engine)

        assert schema.current_revision(engine) == schema.head_revision()
        assert schema.pending_changes(engine) == []
        with Session(engine) as db:
            case = db.exec(select(Case)).one()
            assert (case.reference, case.kind) == ("TJ-1", CaseKind.mediation)
            work = db.get(CaseWork, 1)
            assert work is not None and work.outcome is None
            assert db.get(AuditHead, 1) is not None
    finally:
        engine.dispose()


def test_two_processes_starting_at_once_both_come_up(empty_url: str) -> None:
    # Both wait for the same instant, then migrate: one does the work, the other waits and finds it done.
    start_at = time.time() + 6
    program = (
        "import sys, time\n"
        "from casebook.db import create_db_engine, init_db\n"
        "engine = create_db_engine(sys.argv[1])\n"
        "time.sleep(max(0.0, float(sys.argv[2]) - time.time()))\n"
        "init_db(engine)\n"
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", program, empty_url, str(start_at)],
            cwd=PROJECT,
            env={"PYTHONPATH": str(PROJECT), "PATH": "/usr/bin:/bin"},
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    errors = [process.communicate(timeout=120)[1] for process in processes]
    assert [process.returncode for process in processes] == [0, 0], errors
    engine = create_db_engine(empty_url)
    try:
        assert schema.current_revision(engine) == schema.head_revision()
        with Session(engine) as db:
            assert len(db.exec(select(AuditHead)).all()) == 1
    finally:
        engine.dispose()


def test_the_audit_log_refuses_truncate_on_postgresql(postgres_url: str) -> None:
    engine = create_db_engine(postgres_url)
    try:
        init_db(engine)
        with Session(engine) as db:
            audit.record(db, action="view", at=datetime.now(UTC), actor="zhang")
        for table in ("console_audit", "console_audit_head"):
            with engine.begin() as connection, pytest.raises(DatabaseError, match="append-only"):
                connection.execute(text(f"TRUNCATE {table} CASCADE"))
        with Session(engine) as db:
            assert [entry.actor for entry in db.exec(select(AuditEntry)).all()] == ["zhang"]
    finally:
        engine.dispose()
