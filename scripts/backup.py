"""`make backup` / `make restore FILE=…`: the office's database — cases, conversations (Rasa's
tracker events live in the same database), gaps, office entries, the audit log — copied whole.

SQLite: the copy is made with SQLite's online backup API, so it is consistent while the assistant
runs (WAL included). A restore refuses while the assistant is running, checks the file is one of
these backups, and first keeps the database it replaces beside the backups, so a restore loses nothing.

PostgreSQL (DATABASE_URL=postgresql://…): `pg_dump` in its custom format, one consistent snapshot
while the assistant runs; a restore (`pg_restore`) goes into an empty database only, so it never
mixes two offices' data or overwrites anything: create one (createdb) and point DATABASE_URL at it.
The password reaches pg_dump / pg_restore through their environment, never their command line.

    python -m scripts.backup backup            → var/backups/assistant-<UTC time>.db (or .dump)
    python -m scripts.backup restore FILE      (SQLite: the replaced one → var/backups/before-restore-<UTC time>.db)
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from casebook.settings import PROJECT_ROOT, Settings, get_settings
from scripts.pg_server import find_bin_dir

BACKUP_DIR = PROJECT_ROOT / "var" / "backups"
# Tables a backup of this assistant has: the cases and Rasa's conversation events.
REQUIRED_TABLES = frozenset({"cases", "events"})


class BackupRefused(Exception):
    """Said to the operator in Chinese; nothing was changed."""


def database_file(settings: Settings) -> Path:
    url = make_url(settings.database_url_absolute)
    if url.get_backend_name() != "sqlite" or not url.database:
        raise BackupRefused("只支持备份和恢复 SQLite 和 PostgreSQL 数据库。")
    return Path(url.database)


def _postgresql(settings: Settings) -> URL | None:
    url = make_url(settings.database_url_absolute)
    return url if url.get_backend_name() == "postgresql" else None


def _pg_tool(name: str, url: URL, *arguments: str) -> subprocess.CompletedProcess[str]:
    """A PostgreSQL client program against `url`; the password goes in its environment."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise BackupRefused(f"本机没有安装 PostgreSQL 的 {name}：请运行 scripts/setup_services.sh。")
    env = {**os.environ, "PGPASSWORD": url.password or ""} if url.password else dict(os.environ)
    connection = ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres"]
    return subprocess.run(
        [str(bin_dir / name), *connection, *arguments], env=env, capture_output=True, text=True, check=False
    )


def _pg_backup(url: URL, directory: Path, name: str) -> Path:
    target = directory / f"{name}-{datetime.now(UTC):%Y%m%d-%H%M%S-%f}.dump"
    directory.mkdir(parents=True, exist_ok=True)
    os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))  # it holds residents' data
    done = _pg_tool(
        "pg_dump", url, "--format=custom", "--no-owner", "--no-privileges", "-f", str(target), str(url.database)
    )
    if done.returncode != 0:
        target.unlink(missing_ok=True)
        raise BackupRefused(f"pg_dump 没有成功，没有生成备份：{done.stderr.strip()[-500:]}")
    return target


def _pg_tables(url: URL) -> set[str]:
    query = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
    done = _pg_tool("psql", url, "-X", "-A", "-t", "-d", str(url.database), "-c", query)
    if done.returncode != 0:
        raise BackupRefused(f"连不上数据库 {url.database}：{done.stderr.strip()[-500:]}")
    return set(done.stdout.split())


def _dump_tables(backup_file: Path) -> set[str]:
    """The tables a custom-format dump holds (its table of contents), or none if it is not one."""
    bin_dir = find_bin_dir()
    if bin_dir is None or not backup_file.is_file():
        return set()
    listing = subprocess.run([str(bin_dir / "pg_restore"), "--list", str(backup_file)], capture_output=True, text=True)
    # Lines like "215; 1259 16390 TABLE public cases app".
    return {
        line.split()[5] for line in listing.stdout.splitlines() if " TABLE public " in line and len(line.split()) > 5
    }


def _pg_restore(settings: Settings, url: URL, backup_file: Path) -> None:
    if assistant_running(settings):
        raise BackupRefused("助手正在运行。请先停止（在运行 make run 的窗口按 Ctrl-C），再恢复备份。")
    if not _dump_tables(backup_file) >= REQUIRED_TABLES:
        raise BackupRefused(f"{backup_file} 不是本助手的 PostgreSQL 备份（pg_dump 自定义格式），没有做任何改动。")
    if _pg_tables(url):
        raise BackupRefused(
            f"数据库 {url.database} 不是空的，没有做任何改动。请新建一个空数据库（createdb），"
            "把 DATABASE_URL 指向它，再恢复。"
        )
    restoring = ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
    done = _pg_tool("pg_restore", url, *restoring, "-d", str(url.database), str(backup_file))
    if done.returncode != 0:
        raise BackupRefused(f"pg_restore 没有成功，数据库没有改动：{done.stderr.strip()[-500:]}")


def _copy(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy even while others write to the source."""
    if target.exists():  # a backup is never written over
        raise BackupRefused(f"{target} 已经存在，没有覆盖。")
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as reading, sqlite3.connect(target) as writing:
        reading.backup(writing)
    target.chmod(0o600)  # it holds residents' personal data


def backup(settings: Settings, directory: Path = BACKUP_DIR, *, name: str = "assistant") -> Path:
    if (url := _postgresql(settings)) is not None:
        return _pg_backup(url, directory, name)
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
    """Put `backup_file` in place of the database; returns where the replaced database was kept
    (PostgreSQL: restores into an empty database only, so nothing is replaced)."""
    if (url := _postgresql(settings)) is not None:
        _pg_restore(settings, url, backup_file)
        return None
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
