"""The audit log's hash chain: an edited, deleted or slipped-in row is found by verify-audit,
even by someone who drops the database's append-only triggers first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from api.console import admin
from casebook import audit, audit_chain, audit_guards
from casebook.console_tables import AuditEntry, AuditHead
from casebook.db import create_db_engine, init_db

START = datetime(2026, 6, 3, 9, 0, tzinfo=UTC)


def write(engine: Engine, count: int) -> list[int]:
    with Session(engine) as db:
        rows = [
            audit.record(db, action="view", at=START + timedelta(minutes=n), actor=f"staff{n}", detail={"n": n})
            for n in range(count)
        ]
        return [row.id or 0 for row in rows]


def tamper(engine: Engine, *statements: str) -> None:
    """What someone with the database file can do: drop the triggers, then rewrite history."""
    with engine.begin() as connection:
        audit_guards.remove(connection)
        for statement in statements:
            connection.execute(text(statement))


def verify(engine: Engine) -> audit_chain.ChainReport:
    with Session(engine) as db:
        return audit_chain.verify(db, batch=2)  # small pages: the walk crosses page boundaries


def test_each_entry_links_to_the_one_before_and_the_chain_checks_out(engine: Engine) -> None:
    write(engine, 5)
    with Session(engine) as db:
        rows = db.exec(select(AuditEntry).order_by(col(AuditEntry.id))).all()
        head = db.get(AuditHead, 1)
    assert rows[0].prev_hash == "" and all(rows[n].prev_hash == rows[n - 1].row_hash for n in range(1, 5))
    assert head is not None and head.rows == 5 and head.last_hash == rows[-1].row_hash
    report = verify(engine)
    assert report.intact and report.rows == 5 and report.unchained == 0


def test_an_edited_entry_is_found(engine: Engine) -> None:
    ids = write(engine, 5)
    tamper(engine, f"UPDATE console_audit SET actor = 'nobody' WHERE id = {ids[2]}")
    report = verify(engine)
    assert (report.broken_at, report.reason) == (ids[2], "content")


def test_a_deleted_entry_is_found_at_the_next_one(engine: Engine) -> None:
    ids = write(engine, 5)
    tamper(engine, f"DELETE FROM console_audit WHERE id = {ids[2]}")
    assert (verify(engine).broken_at, verify(engine).reason) == (ids[3], "link")


def test_deleting_the_newest_entries_is_found_at_the_end_of_the_chain(engine: Engine) -> None:
    ids = write(engine, 5)
    tamper(engine, f"DELETE FROM console_audit WHERE id >= {ids[3]}")
    assert verify(engine).reason == "tail"


def test_a_rehashed_edit_still_breaks_the_next_link(engine: Engine) -> None:
    ids = write(engine, 3)
    with Session(engine) as db:
        edited = db.get(AuditEntry, ids[1])
        assert edited is not None
        edited.actor = "nobody"
        forged = audit_chain.row_hash(edited, edited.prev_hash or "")
    tamper(engine, f"UPDATE console_audit SET actor = 'nobody', row_hash = '{forged}' WHERE id = {ids[1]}")
    assert (verify(engine).broken_at, verify(engine).reason) == (ids[2], "link")


def test_entries_written_before_the_chain_are_reported_as_unchecked(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO console_audit (at, actor, action, detail) "
                "VALUES ('2026-01-01 08:00:00.000000', 'old', 'login', '{}')"
            )
        )
    write(engine, 2)
    report = verify(engine)
    assert report.intact and (report.rows, report.unchained) == (3, 1)


def test_dropped_triggers_come_back_when_the_database_is_opened(engine: Engine) -> None:
    write(engine, 1)
    tamper(engine)
    init_db(engine)
    with Session(engine) as db, pytest.raises(Exception, match="append-only"):
        db.execute(text("DELETE FROM console_audit"))


def test_verify_audit_says_the_log_is_intact_or_names_the_first_broken_row(engine: Engine) -> None:
    ids = write(engine, 3)
    printed: list[str] = []
    admin.run(["verify-audit"], engine=engine, env={}, out=printed.append)
    assert printed == ["审计记录完整：共 3 条，哈希链没有断开。"]
    tamper(engine, f"UPDATE console_audit SET detail = '{{\"n\": 9}}' WHERE id = {ids[1]}")
    with pytest.raises(admin.AdminError, match=rf"第 {ids[1]} 条.*内容被改过"):
        admin.run(["verify-audit"], engine=engine, env={}, out=printed.append)


def test_verify_audit_exits_with_status_1_when_the_chain_is_broken(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'admin.db'}")
    admin.get_settings.cache_clear()
    try:
        assert admin.main(["verify-audit"]) == 0
        engine = create_db_engine(f"sqlite:///{tmp_path / 'admin.db'}")
        write(engine, 2)
        tamper(engine, "DELETE FROM console_audit WHERE id = 1")
        engine.dispose()
        assert admin.main(["verify-audit"]) == 1
        assert "断开" in capsys.readouterr().err
    finally:
        admin.get_settings.cache_clear()
