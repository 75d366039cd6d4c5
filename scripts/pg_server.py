"""A private PostgreSQL server from Debian's binaries, for tests, backups and `make cluster`.

    from scripts.pg_server import PostgresServer

    with PostgresServer(Path("/tmp/pg-demo"), port=free_port()) as server:  # initdb (once) + start
        server.create_database("legal")            # owned by the server's application role
        url = server.url("legal")                  # postgresql://app:…@127.0.0.1:PORT/legal
    # leaving the block stops it (fast shutdown); start() again reuses the same data directory

API:
    PostgresServer(data_dir, port, *, durable=True)
        data_dir   created when missing; holds `pgdata/` (the cluster), `socket/` (its Unix socket),
                   `postgres.log` and `app.password`. Nothing else may live there.
        durable    False turns off fsync and synchronous commit: for tests only.
    .start(timeout=30.0, preexec_fn=None)  initdb on first use, then start and wait until it accepts
                                   connections; preexec_fn is passed to Popen (e.g. scripts.stack.die_with)
    .stop(timeout=30.0)            fast shutdown (open transactions roll back), waits for the exit
    .restart()                     stop + start (the fault tests restart the server under a running stack)
    .running                       whether the postmaster we started is alive
    .url(database)                 SQLAlchemy URL of `database` for the application role (holds its password)
    .create_database(name, template=None)   CREATE DATABASE … OWNER app [TEMPLATE template], if missing
    .drop_database(name)           DROP DATABASE … WITH (FORCE), if present
    .psql(sql, database="postgres")   runs SQL as the superuser over the Unix socket; returns stdout
    .bin(name)                     path of a PostgreSQL program of the same version (pg_dump, pg_restore…)
    find_bin_dir()                 newest /usr/lib/postgresql/*/bin, or None when PostgreSQL is not installed

PostgreSQL refuses to run as root: as root its processes run as Debian's `postgres` system user and the
data directory is owned by it (so it must sit where that user can reach, e.g. under /tmp, not under a
0700 root directory); otherwise they run as the current user. The superuser connects only through the
Unix socket (peer authentication); TCP on loopback needs the application role's password.
"""

from __future__ import annotations

import getpass
import os
import re
import secrets
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote

APP_ROLE = "app"
SYSTEM_USER = "postgres"  # Debian's package creates it; PostgreSQL refuses to run as root
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class PostgresError(RuntimeError):
    """The server could not be created, started or stopped; the message says why."""


def find_bin_dir(root: Path = Path("/usr/lib/postgresql")) -> Path | None:
    """The newest installed version's bin directory (Debian installs each major version side by side)."""
    versions = [d for d in root.glob("*/bin") if (d / "postgres").exists() and d.parent.name.isdigit()]
    return max(versions, key=lambda d: int(d.parent.name)) if versions else None


def _checked_name(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"not a plain PostgreSQL name: {name!r}")
    return name


class PostgresServer:
    def __init__(self, data_dir: Path, port: int, *, durable: bool = True, bin_dir: Path | None = None) -> None:
        found = bin_dir or find_bin_dir()
        if found is None:
            raise PostgresError(
                "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin): run scripts/setup_services.sh"
            )
        self.bin_dir = found
        self.data_dir = data_dir.resolve()
        self.port = port
        self.durable = durable
        self._process: subprocess.Popen[bytes] | None = None
        self._as_root = os.geteuid() == 0
        self.system_user = SYSTEM_USER if self._as_root else getpass.getuser()

    # -- layout ---------------------------------------------------------------------------------
    @property
    def pgdata(self) -> Path:
        return self.data_dir / "pgdata"

    @property
    def socket_dir(self) -> Path:
        return self.data_dir / "socket"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "postgres.log"

    @property
    def _password_file(self) -> Path:
        return self.data_dir / "app.password"

    def bin(self, name: str) -> Path:
        return self.bin_dir / name

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self, timeout: float = 30.0, preexec_fn: Callable[[], None] | None = None) -> None:
        if self.running:
            return
        if not (self.pgdata / "PG_VERSION").exists():
            self._initdb()
        options = [
            "-p", str(self.port),
            "-k", str(self.socket_dir),
            "-c", "listen_addresses=127.0.0.1",
            # Statements with residents' data stay out of the server log (failing ones would be logged).
            "-c", "log_min_error_statement=panic",
        ]  # fmt: skip
        if not self.durable:
            options += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        # Owner-only: a failing statement's details may still name a resident.
        log = os.fdopen(os.open(self.log_file, os.O_CREAT | os.O_WRONLY | os.O_APPEND, 0o600), "ab")
        try:
            self._process = self._spawn(
                [str(self.bin("postgres")), "-D", str(self.pgdata), *options],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=preexec_fn,
            )
        finally:
            log.close()
        self._wait_ready(timeout)

    def stop(self, timeout: float = 30.0) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGINT)  # fast shutdown
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()  # immediate: crash recovery replays the WAL on the next start
                process.wait()
        elif process is None and (self.pgdata / "postmaster.pid").exists():
            # Started by another process (e.g. a crashed supervisor's): pg_ctl finds it by its pid file.
            self._run([str(self.bin("pg_ctl")), "stop", "-D", str(self.pgdata), "-m", "fast", "-w"], check=False)

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def __enter__(self) -> PostgresServer:
        self.start()
        return self

    def __exit__(self, *_: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.stop()

    # -- databases ------------------------------------------------------------------------------
    def url(self, database: str) -> str:
        name = _checked_name(database)
        password = quote(self._password_file.read_text().strip(), safe="")
        return f"postgresql://{APP_ROLE}:{password}@127.0.0.1:{self.port}/{name}"

    def create_database(self, name: str, template: str | None = None) -> None:
        exists = self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{_checked_name(name)}'")
        if not exists.strip():
            source = f" TEMPLATE {_checked_name(template)}" if template else ""
            self.psql(f"CREATE DATABASE {name} OWNER {APP_ROLE}{source}")

    def drop_database(self, name: str) -> None:
        self.psql(f"DROP DATABASE IF EXISTS {_checked_name(name)} WITH (FORCE)")

    def psql(self, sql: str, database: str = "postgres") -> str:
        command = [str(self.bin("psql")), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"]
        command += ["-h", str(self.socket_dir), "-p", str(self.port), "-U", self.system_user, "-d", database]
        return self._run([*command, "-c", sql])[1]

    # -- internals ------------------------------------------------------------------------------
    def _spawn(self, command: list[str], **options: Any) -> subprocess.Popen[bytes]:
        """Popen as the data directory's owner: as root, Python drops to the postgres user itself."""
        if not self._as_root:
            return subprocess.Popen(command, cwd=self.data_dir, **options)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "HOME": str(self.data_dir)}
        return subprocess.Popen(
            command, cwd=self.data_dir, user=SYSTEM_USER, group=SYSTEM_USER, extra_groups=[], env=env, **options
        )

    def _run(self, command: list[str], check: bool = True) -> tuple[int, str]:
        """Runs a PostgreSQL program to its end; its exit code and output (stderr kept for errors)."""
        process = self._spawn(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = process.communicate()
        if check and process.returncode != 0:
            raise PostgresError(f"{Path(command[0]).name} failed: {err.decode(errors='replace').strip()[-2000:]}")
        return process.returncode, out.decode()

    def _initdb(self) -> None:
        if self.data_dir.exists() and any(self.data_dir.iterdir()):
            raise PostgresError(f"{self.data_dir} is not empty and holds no PostgreSQL cluster")
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.socket_dir.mkdir(mode=0o700)
        self._password_file.write_text(secrets.token_urlsafe(24) + "\n")
        self._password_file.chmod(0o600)
        if self._as_root:
            for path in (self.data_dir, self.socket_dir, self._password_file):
                shutil.chown(path, SYSTEM_USER, SYSTEM_USER)
            if self._run(["test", "-w", str(self.data_dir)], check=False)[0] != 0:
                raise PostgresError(
                    f"PostgreSQL runs as the '{SYSTEM_USER}' user, which cannot reach {self.data_dir}: "
                    "put its data directory where that user can go (e.g. under /tmp or /var/lib)"
                )
        self._run([
            str(self.bin("initdb")), "-D", str(self.pgdata), "-U", self.system_user,
            "--auth-local=peer", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8",
        ])  # fmt: skip
        self.start()
        try:
            password = self._password_file.read_text().strip()
            self.psql(f"CREATE ROLE {APP_ROLE} LOGIN PASSWORD '{password}'")
        finally:
            self.stop()

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        ready = [str(self.bin("pg_isready")), "-q", "-h", str(self.socket_dir), "-p", str(self.port)]
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                tail = self.log_file.read_text(errors="replace")[-2000:]
                raise PostgresError(f"PostgreSQL exited with code {self._process.returncode}:\n{tail}")
            if subprocess.run(ready, check=False).returncode == 0:
                return
            time.sleep(0.1)
        self.stop()
        raise PostgresError(f"PostgreSQL did not accept connections within {timeout:.0f} s (see {self.log_file})")
