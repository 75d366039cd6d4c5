"""`make backup` / `make restore` with DATABASE_URL on PostgreSQL: pg_dump, then pg_restore into an
empty database, finds every case and every conversation (Rasa's events rows too)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from casebook.db import create_db_engine, init_db
from casebook.models import Case, CaseKind
from casebook.settings import Settings
from scripts.backup import BackupRefused, backup, restore
from scripts.pg_server import PostgresServer
from scripts.stack import free_port

CONVERSATIONS = ["web-aaa", "wechat:bbb"]


@pytest.fixture
def databases(postgres_server: PostgresServer) -> Iterator[tuple[str, str]]:
    """The office's database and an empty one on another 'machine' (the same server here)."""
    names = ("backup_office", "backup_fresh")
    for name in names:
        postgres_server.drop_database(name)
        postgres_server.create_database(name)
    yield postgres_server.url(names[0]), postgres_server.url(names[1])
    for name in names:
        postgres_server.drop_database(name)


def office_database(url: str) -> None:
    engine = create_db_engine(url)
    init_db(engine)
    with Session(engine) as session:
        for n, conversation in enumerate(CONVERSATIONS):
            session.add(Case(kind=CaseKind.handoff, conversation_id=conversation, reference=f"ZR-{n}"))
        session.commit()
    with engine.begin() as connection:  # Rasa's tracker store table, as Rasa makes it on PostgreSQL
        connection.execute(text("CREATE TABLE events (id SERIAL PRIMARY KEY, sender_id VARCHAR(255), data TEXT)"))
        for conversation in CONVERSATIONS:
            connection.execute(
                text('INSERT INTO events (sender_id, data) VALUES (:c, \'{"text": "欠钱不还"}\')'), {"c": conversation}
            )
    engine.dispose()


def contents(url: str) -> tuple[list[str], list[str]]:
    engine = create_db_engine(url)
    try:
        with Session(engine) as session:
            cases = sorted(case.conversation_id for case in session.exec(select(Case)).all())
            talked = sorted(row[0] for row in session.connection().execute(text("SELECT sender_id FROM events")))
    finally:
        engine.dispose()
    return cases, talked


def settings_for(url: str) -> Settings:
    return Settings(database_url=url, api_port=free_port())  # nothing listens there


def test_a_dump_restored_into_an_empty_database_has_every_case_and_conversation(
    databases: tuple[str, str], tmp_path: Path
) -> None:
    office, fresh = databases
    office_database(office)
    dump = backup(settings_for(office), tmp_path / "backups")
    assert dump.suffix == ".dump" and dump.stat().st_mode & 0o777 == 0o600  # it holds residents' data

    assert restore(settings_for(fresh), dump) is None

    assert contents(fresh) == (CONVERSATIONS, CONVERSATIONS)
    engine = create_db_engine(fresh)
    try:
        init_db(engine)  # the restored database is at the newest migration: the app starts on it
    finally:
        engine.dispose()


def test_a_restore_never_goes_into_a_database_that_holds_data(databases: tuple[str, str], tmp_path: Path) -> None:
    office, _ = databases
    office_database(office)
    dump = backup(settings_for(office), tmp_path / "backups")
    with pytest.raises(BackupRefused, match="不是空的"):
        restore(settings_for(office), dump)
    assert contents(office) == (CONVERSATIONS, CONVERSATIONS)


def test_a_file_that_is_no_dump_of_ours_is_refused(databases: tuple[str, str], tmp_path: Path) -> None:
    _, fresh = databases
    stranger = tmp_path / "stranger.dump"
    stranger.write_bytes(b"PGDMP not really")
    with pytest.raises(BackupRefused, match="不是本助手"):
        restore(settings_for(fresh), stranger)
