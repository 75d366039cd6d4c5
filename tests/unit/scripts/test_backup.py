"""`make backup` / `make restore`: a backup restored into an empty place holds every case and
every conversation; a restore never runs over a live assistant or from a foreign file, and keeps
the database it replaces."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlmodel import Session, select

from casebook.db import create_db_engine, init_db
from casebook.models import Case, CaseKind
from casebook.settings import Settings
from scripts.backup import BackupRefused, backup, restore
from scripts.stack import free_port

CONVERSATIONS = ["web-aaa", "wechat:bbb"]


def office_database(path: Path) -> None:
    """The app's tables with two cases, and Rasa's events table with two conversations' turns."""
    engine = create_db_engine(f"sqlite:///{path}")
    init_db(engine)
    with Session(engine) as session:
        for n, conversation in enumerate(CONVERSATIONS):
            session.add(Case(kind=CaseKind.handoff, conversation_id=conversation, reference=f"ZR-{n}"))
        session.commit()
    engine.dispose()
    with sqlite3.connect(path) as db:
        db.execute("create table events (id integer primary key, sender_id text, type_name text, data text)")
        db.executemany(
            "insert into events (sender_id, type_name, data) values (?, 'user', '{\"text\": \"欠钱不还\"}')",
            [(c,) for c in CONVERSATIONS],
        )


def settings_for(database: Path) -> Settings:
    return Settings(database_url=f"sqlite:///{database}", api_port=free_port())  # nothing listens there


def contents(database: Path) -> tuple[list[str], list[str]]:
    engine = create_db_engine(f"sqlite:///{database}")
    with Session(engine) as session:
        cases = sorted(case.conversation_id for case in session.exec(select(Case)).all())
    engine.dispose()
    with sqlite3.connect(database) as db:
        talked = sorted(row[0] for row in db.execute("select sender_id from events"))
    return cases, talked


def test_a_backup_restored_into_an_empty_place_has_every_case_and_conversation(tmp_path: Path) -> None:
    office = tmp_path / "office" / "assistant.db"
    office.parent.mkdir()
    office_database(office)
    copy = backup(settings_for(office), tmp_path / "backups")
    assert copy.stat().st_mode & 0o777 == 0o600  # it holds residents' data

    fresh = tmp_path / "new-machine" / "assistant.db"  # nothing there yet
    fresh.parent.mkdir()
    assert restore(settings_for(fresh), copy, tmp_path / "backups") is None
    assert contents(fresh) == (sorted(CONVERSATIONS), sorted(CONVERSATIONS))


def test_a_restore_keeps_the_database_it_replaces(tmp_path: Path) -> None:
    office = tmp_path / "assistant.db"
    office_database(office)
    copy = backup(settings_for(office), tmp_path / "backups")
    with sqlite3.connect(office) as db:
        db.execute("delete from events")  # what the restore is meant to undo
    kept = restore(settings_for(office), copy, tmp_path / "backups")
    assert kept is not None and contents(kept)[1] == []
    assert contents(office) == (sorted(CONVERSATIONS), sorted(CONVERSATIONS))


def test_a_restore_refuses_a_file_that_is_not_a_backup_and_changes_nothing(tmp_path: Path) -> None:
    office = tmp_path / "assistant.db"
    office_database(office)
    stranger = tmp_path / "photo.db"
    stranger.write_bytes(b"not a database")
    with pytest.raises(BackupRefused, match="不是本助手的数据库备份"):
        restore(settings_for(office), stranger, tmp_path / "backups")
    assert contents(office) == (sorted(CONVERSATIONS), sorted(CONVERSATIONS))
    assert not (tmp_path / "backups").exists()


def test_a_restore_refuses_while_the_assistant_runs(tmp_path: Path) -> None:
    office = tmp_path / "assistant.db"
    office_database(office)
    copy = backup(settings_for(office), tmp_path / "backups")
    with socket_listening() as port, pytest.raises(BackupRefused, match="助手正在运行"):
        restore(Settings(database_url=f"sqlite:///{office}", api_port=port), copy, tmp_path / "backups")


def test_an_unreachable_postgresql_is_said_in_words_and_leaves_no_file(tmp_path: Path) -> None:
    # PostgreSQL's own path is tested on a real server in test_backup_postgres.py.
    with pytest.raises(BackupRefused, match="pg_dump 没有成功"):
        backup(Settings(database_url="postgresql://office@db.example/assistant"), tmp_path)
    assert list(tmp_path.iterdir()) == []


class socket_listening:
    """A loopback port something listens on, standing in for the running API."""

    def __enter__(self) -> int:
        import socket

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        return int(self.sock.getsockname()[1])

    def __exit__(self, *_: object) -> None:
        self.sock.close()
