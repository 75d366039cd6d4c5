"""scripts/pg_server.py: a private PostgreSQL server from Debian's binaries, started and stopped by us."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from scripts.pg_server import PostgresError, PostgresServer, find_bin_dir
from scripts.stack import free_port

pytestmark = pytest.mark.skipif(
    find_bin_dir() is None, reason="PostgreSQL is not installed: run scripts/setup_services.sh"
)


@pytest.fixture
def data_dir() -> Iterator[Path]:
    # Under /tmp itself: as root the server runs as `postgres`, which cannot enter pytest's 0700 tmp dirs.
    path = Path(tempfile.mkdtemp(prefix="pg-server-test-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_a_database_it_creates_takes_the_application_role_over_loopback(data_dir: Path) -> None:
    with PostgresServer(data_dir, free_port(), durable=False) as server:
        server.create_database("legal")
        server.create_database("legal")  # again: nothing to do
        with psycopg.connect(server.url("legal")) as connection:
            row = connection.execute("SELECT current_user, current_database()").fetchone()
    assert row == ("app", "legal")


def test_data_survives_a_restart_and_stop_ends_the_server(data_dir: Path) -> None:
    server = PostgresServer(data_dir, free_port(), durable=False)
    with server:
        server.create_database("legal")
        server.psql("CREATE TABLE kept (n int); INSERT INTO kept VALUES (7)", database="legal")
        server.restart()
        assert server.psql("SELECT n FROM kept", database="legal").strip() == "7"
    assert not server.running
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(server.url("legal"), connect_timeout=2)


def test_the_password_is_required_over_tcp(data_dir: Path) -> None:
    with PostgresServer(data_dir, free_port(), durable=False) as server:
        server.create_database("legal")
        with pytest.raises(psycopg.OperationalError, match="password"):
            psycopg.connect(server.url("legal").replace("app:", "app:wrong", 1))


def test_a_directory_holding_something_else_is_refused(data_dir: Path) -> None:
    (data_dir / "notes.txt").write_text("not a database")
    with pytest.raises(PostgresError, match="not empty"):
        PostgresServer(data_dir, free_port()).start()


def test_names_that_are_not_plain_identifiers_are_refused(data_dir: Path) -> None:
    server = PostgresServer(data_dir, free_port())
    with pytest.raises(ValueError):
        server.url("legal; DROP DATABASE postgres")


@pytest.mark.skipif(os.geteuid() != 0, reason="only root hands the server to the postgres user")
def test_as_root_a_directory_the_postgres_user_cannot_reach_is_refused_in_words(tmp_path: Path) -> None:
    # pytest's tmp_path sits under a 0700 directory of root's.
    with pytest.raises(PostgresError, match="cannot reach"):
        PostgresServer(tmp_path / "pg", free_port()).start()
