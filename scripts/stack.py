"""The assistant's three processes (Rasa, action server, API) started, watched and stopped together.

Used by `make run` and by the end-to-end tests, so both run exactly the same stack.

Secrets reach the children through their environment only (never a command line, never a URL),
the children create their files owner-only (umask 077), and Rasa and the action server stay on
loopback (casebook.settings refuses other interfaces unless told otherwise).
"""

from __future__ import annotations

import ctypes
import logging
import os
import secrets
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml
from pydantic import SecretStr
from sqlalchemy.engine import make_url

from actions.server import TOKEN_HEADER as ACTION_TOKEN_HEADER
from actions.server import TOKEN_VARIABLE as ACTION_TOKEN_VARIABLE
from api.rasa_token import bearer_headers
from casebook.settings import PROJECT_ROOT, Settings

logger = logging.getLogger(__name__)

BOT_BIN = PROJECT_ROOT / ".venv-bot" / "bin"
APP_BIN = PROJECT_ROOT / ".venv-app" / "bin"
# Files the children create (the SQLite database and its -wal/-shm, keys, logs) are theirs alone.
CHILD_UMASK = 0o077


def free_port() -> int:
    """A loopback port nothing listens on now (for stacks started beside others, as in tests)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with(parent: int) -> Callable[[], None]:
    """For Popen's preexec_fn: the child is sent SIGTERM when `parent` dies, even by kill -9, so a
    crashed supervisor leaves no server holding the ports the next `make run` needs."""

    def arm() -> None:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before the line above took effect
            os._exit(1)

    return arm


def current_model(models_dir: Path) -> Path:
    """The model build.sh trained last (its name is a hash of the training inputs)."""
    latest = models_dir / "LATEST"
    if not latest.exists():
        raise FileNotFoundError("no trained model: run `make build` first")
    return models_dir / latest.read_text().strip()


def tracker_store(database_url: str) -> dict[str, object]:
    """Rasa's SQL tracker store settings for the same database the API uses."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return {"type": "SQL", "dialect": "sqlite", "db": url.database}
    return {
        "type": "SQL",
        "dialect": "postgresql",
        "url": url.host,
        "port": url.port or 5432,
        "db": url.database,
        "username": url.username,
        "password": url.password,
    }


def write_endpoints(settings: Settings, path: Path, lock_store: dict[str, object] | None = None) -> Path:
    """Rasa's endpoints file; `lock_store` absent: Rasa's in-memory lock, right for one server only."""
    endpoints: dict[str, object] = {
        # Rasa expands ${...} from its environment: the file names the secret, it does not hold it.
        "action_endpoint": {
            "url": settings.action_url,
            "headers": {ACTION_TOKEN_HEADER: f"${{{ACTION_TOKEN_VARIABLE}}}"},
        },
        "tracker_store": tracker_store(settings.database_url_absolute),
    }
    if lock_store is not None:
        endpoints["lock_store"] = lock_store
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(endpoints, allow_unicode=True), encoding="utf-8")
    path.chmod(0o600)  # may hold a database password
    return path


def no_headers() -> dict[str, str]:
    return {}


@dataclass
class Service:
    name: str
    command: list[str]
    health_url: str
    # Made per check: Rasa's bearer token expires.
    health_headers: Callable[[], dict[str, str]] = no_headers
    process: subprocess.Popen[bytes] | None = None
    # Variables this service alone gets on top of the stack's (its port, when several run).
    environment: dict[str, str] = field(default_factory=dict)
    # For a server that speaks no HTTP (Redis): replaces the GET of health_url.
    probe: Callable[[], bool] | None = None

    def ready(self) -> bool:
        if self.probe is not None:
            return self.probe()
        try:
            return httpx.get(self.health_url, headers=self.health_headers(), timeout=2).status_code == 200
        except httpx.HTTPError:
            return False


def actions_service(settings: Settings, *, name: str = "actions", port: int | None = None) -> Service:
    port = settings.action_port if port is None else port
    return Service(
        name,
        [str(APP_BIN / "python"), "-m", "actions.server"],
        f"http://{settings.action_host}:{port}/health",
        environment={"ACTION_PORT": str(port)},
    )


def rasa_service(settings: Settings, endpoints: Path, *, name: str = "rasa", port: int | None = None) -> Service:
    port = settings.rasa_port if port is None else port
    return Service(
        name,
        [
            str(BOT_BIN / "python"),
            "-m",
            "scripts.rasa_server",
            "--model",
            str(current_model(settings.models_dir)),
            "--endpoints",
            str(endpoints),
            "--credentials",
            str(PROJECT_ROOT / "bot" / "credentials.yml"),
            "--interface",
            settings.rasa_host,
            "--port",
            str(port),
        ],
        f"http://{settings.rasa_host}:{port}/status",
        lambda: bearer_headers(settings.rasa_auth_token),
    )


def api_service(settings: Settings, *, name: str = "api", port: int | None = None, host: str | None = None) -> Service:
    port = settings.api_port if port is None else port
    host = settings.api_host if host is None else host
    return Service(
        name,
        [
            str(APP_BIN / "python"),
            "-m",
            "uvicorn",
            "api.main:create_app",
            "--factory",
            "--host",
            host,
            "--port",
            str(port),
            # uvicorn would believe X-Forwarded-For from any loopback peer; only the API's
            # own TRUSTED_PROXIES decide who the client is (api/security/client_address.py).
            "--no-proxy-headers",
        ],
        f"http://{host}:{port}/api/health",
    )


@dataclass
class Stack:
    settings: Settings = field(repr=False)  # holds the database URL, which may hold a password
    var_dir: Path = PROJECT_ROOT / "var"
    log_dir: Path | None = None  # None: children write to this terminal
    services: list[Service] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.settings.rasa_auth_token:
            self.settings.rasa_auth_token = secrets.token_hex(24)
        if not self.settings.action_server_token.get_secret_value():
            self.settings.action_server_token = SecretStr(secrets.token_hex(24))
        self.services = self.build_services()

    def build_services(self) -> list[Service]:
        """One server of each kind, on the ports the settings name (`make run`)."""
        endpoints = write_endpoints(self.settings, self.var_dir / "endpoints.yml")
        return [
            actions_service(self.settings),
            rasa_service(self.settings, endpoints),
            api_service(self.settings),
        ]

    def environment(self) -> dict[str, str]:
        s = self.settings
        env = dict(os.environ)
        env.update(
            PYTHONPATH=str(PROJECT_ROOT),
            RASA_TELEMETRY_ENABLED="false",
            TF_CPP_MIN_LOG_LEVEL="2",
            # Children read the same settings, including what this process decided.
            DATABASE_URL=s.database_url_absolute,
            RASA_AUTH_TOKEN=s.rasa_auth_token,
            ACTION_SERVER_TOKEN=s.action_server_token.get_secret_value(),
            ALLOW_PUBLIC_DIALOGUE_HOSTS=str(s.allow_public_dialogue_hosts).lower(),
            RASA_HOST=s.rasa_host,
            RASA_PORT=str(s.rasa_port),
            ACTION_HOST=s.action_host,
            SANIC_HOST=s.action_host,  # rasa_sdk's only way to choose its interface (default 0.0.0.0)
            ACTION_PORT=str(s.action_port),
            API_HOST=s.api_host,
            API_PORT=str(s.api_port),
            RATE_LIMITS=str(s.rate_limits).lower(),
            TRUSTED_PROXIES=s.trusted_proxies,
            INDEX_DIR=str(s.index_dir),
            MODELS_DIR=str(s.models_dir),
        )
        return env

    def start(self, timeout: float = 180.0) -> None:
        for service in self.services:
            self._spawn(service)
        self.wait_until_healthy(timeout)

    def _spawn(self, service: Service) -> None:
        output = None
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            log = self.log_dir / f"{service.name}.log"
            output = open(log, "ab")  # noqa: SIM115 (lives with the child)
            log.chmod(0o600)  # what residents said may reach a log despite the filters
        service.process = subprocess.Popen(
            service.command,
            cwd=PROJECT_ROOT,
            env={**self.environment(), **service.environment},
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
            start_new_session=True,  # its own process group: Ctrl-C is handled here, once
            umask=CHILD_UMASK,
            # Armed against the starting thread: stacks are started from the main thread.
            preexec_fn=die_with(os.getpid()),
        )
        logger.info("started %s (pid %d)", service.name, service.process.pid)

    def crashed(self) -> list[Service]:
        return [s for s in self.services if s.process is not None and s.process.poll() is not None]

    def restart(self, service: Service, timeout: float = 180.0) -> None:
        """Start a service that exited again, with the same settings, and wait until it is ready."""
        self._spawn(service)
        self.wait_until_healthy(timeout, [service])

    def wait_until_healthy(self, timeout: float, services: list[Service] | None = None) -> None:
        deadline = time.monotonic() + timeout
        pending = list(services or self.services)
        while pending:
            for service in list(pending):
                self.check_alive()
                if service.ready():
                    logger.info("%s is ready", service.name)
                    pending.remove(service)
            if pending and time.monotonic() > deadline:
                raise TimeoutError(f"not ready after {timeout:.0f} s: {[s.name for s in pending]}")
            if pending:
                time.sleep(0.5)

    def check_alive(self) -> None:
        for service in self.services:
            if service.process is not None and service.process.poll() is not None:
                raise RuntimeError(f"{service.name} exited with code {service.process.returncode}")

    def stop(self, grace: float = 15.0) -> None:
        for service in reversed(self.services):
            if service.process is not None and service.process.poll() is None:
                os.killpg(service.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for service in self.services:
            if service.process is None:
                continue
            try:
                service.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(service.process.pid, signal.SIGKILL)
                service.process.wait()
