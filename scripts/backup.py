"""`make backup` / `make restore FILE=…`: the office's database — cases, conversations (Rasa's
tracker events live in the same database), gaps, office entries, the audit log — copied whole.

SQLite only for now: the copy is made with SQLite's online backup API, so it is consistent while
the assistant runs (WAL included). A restore refuses while the assistant is running, checks the
file is one of these backups, and first keeps the database it replaces beside the backups, so a
restore loses nothing. PostgreSQL (pg_dump) comes with the scale-out work; until then the command
says so rather than pretending.

    python -m scripts.backup backup            → var/backups/assistant-<UTC time>.db
    python -m scripts.backup restore FILE      (the replaced one → var/backups/before-restore-<UTC time>.db)
"""

from __future__ import annotations

import socket
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from api.settings import PROJECT_ROOT, Settings, get_settings

BACKUP_DIR = PROJECT_ROOT / "var" / "backups"
# Tables a backup of this assistant has: the cases and Rasa's conversation events.
REQUIRED_TABLES = frozenset({"cases", "events"})


class BackupRefused(Exception):
    """Said to the operator in Chinese; nothing was changed."""


def database_file(settings: Settings) -> Path:
    url = make_url(settings.database_url_absolute)
    if url.get_backend_name() != "sqlite" or not url.database:
        raise BackupRefused("目前只支持备份和恢复 SQLite 数据库；PostgreSQL 请用 pg_dump / pg_restore。")
    return Path(url.database)


def _copy(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy even while others write to the source."""
    if target.exists():  # a backup is never written over
        raise BackupRefused(f"{target} 已经存在，没有覆盖。")
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as reading, sqlite3.connect(target) as writing:
        reading.backup(writing)
    target.chmod(0o600)  # it holds residents' personal data


def backup(settings: Settings, directory: Path = BACKUP_DIR, *, name: str = "assistant") -> Path:
    source = database_file(settings)
    if not source.exists():
        raise BackupRefused(f"数据库文件不存在：{source}")
    target = directory / f"{name}-{datetime.now(UTC):%Y%m%d-%H%M%S-%f}.db"
    _copy(source, target)
    return target


def tables_of(path: Path) -> set[str]:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            return {row[0] for row in db.execute("select name from sqlite_master where type = 'table'")}
    except sqlite3.DatabaseError:
        return set()


def assistant_running(settings: Settings) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((settings.api_host, settings.api_port)) == 0


def restore(settings: Settings, backup_file: Path, directory: Path = BACKUP_DIR) -> Path | None:
    """Put `backup_file` in place of the database; returns where the replaced database was kept."""
    target = database_file(settings)
    if assistant_running(settings):
        raise BackupRefused("助手正在运行。请先停止（在运行 make run 的窗口按 Ctrl-C），再恢复备份。")
    if not backup_file.is_file() or not tables_of(backup_file) >= REQUIRED_TABLES:
        raise BackupRefused(f"{backup_file} 不是本助手的数据库备份，没有做任何改动。")
    kept = backup(settings, directory, name="before-restore") if target.exists() else None
    for leftover in (target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
        leftover.unlink(missing_ok=True)  # they belong to the database being replaced
    target.unlink(missing_ok=True)
    _copy(backup_file, target)
    return kept


def main(argv: list[str]) -> int:
    settings = get_settings()
    try:
        if argv[:1] == ["backup"] and len(argv) == 1:
            print(f"已备份到：{backup(settings)}")
            return 0
        if argv[:1] == ["restore"] and len(argv) == 2:
            kept = restore(settings, Path(argv[1]))
            print(f"已恢复：{argv[1]}" + (f"（原来的数据库已另存为 {kept}）" if kept else ""))
            return 0
    except BackupRefused as refused:
        print(refused, file=sys.stderr)
        return 2
    print("用法 usage: python -m scripts.backup backup | restore FILE", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
