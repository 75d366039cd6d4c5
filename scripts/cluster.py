"""`make cluster`: the assistant scaled out on this machine, as it would run across several.

    python -m scripts.cluster

PostgreSQL (conversations and cases), Redis (Rasa's conversation locks, the API's shared rate
limits), HAProxy in front of REPLICAS API processes, REPLICAS Rasa servers and REPLICAS action
servers (scripts/haproxy_config.py), on the same URLs as `make run` (web chat on :8000). Ctrl-C or
SIGTERM stops everything; a server that exits is started again as in `make run`
(scripts/run.py). docs/deploy.md shows the same topology across machines.

The API runs as separate processes behind HAProxy, not as `uvicorn --workers`: HAProxy checks
each one's health and the supervisor restarts each one, as for Rasa and the action servers, and
a second machine is just more `server` lines. What the API processes must share is shared:
conversation ids (CONVERSATION_SECRET, made here), rate limits (REDIS_URL), everything else is in
PostgreSQL or in Rasa's tracker (see docs/deploy.md, "State shared by the API processes").
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Protocol

from pydantic import SecretStr

from casebook.settings import PROJECT_ROOT, Settings
from scripts import redis_server
from scripts.haproxy_config import Topology, haproxy_service
from scripts.run import supervise
from scripts.stack import (
    Service,
    Stack,
    actions_service,
    api_service,
    die_with,
    free_port,
    rasa_service,
    write_endpoints,
)

REPLICAS = 2
# A Rasa server runs its turns on one event loop (its NLU parse on one thread beside it): it
# cannot use much more than one core, so when one of two dies the other cannot take the whole
# load, whatever the machine has. One server more than the cores ask for keeps every core in
# use with one server down (docs/performance.md, "The cluster with a Rasa server killed").
SPARE_RASA_SERVERS = 1
# How long a Rasa server's claim on a conversation lasts. A server killed mid-turn leaves its
# claim behind; the turn HAProxy sends elsewhere waits for it to lapse, so this must stay well
# under the API's wait for Rasa (RASA_TIMEOUT_SECONDS, 30 s) and well over a slow turn (~1 s).
LOCK_LIFETIME_SECONDS = 15
LOCK_STORE_CLASS = "scripts.rasa_lock_store.AtomicRedisLockStore"
CLUSTER_DIR = PROJECT_ROOT / "var" / "cluster"
DATABASE = "assistant"
POSTGRES = "postgres"
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClusterPorts:
    api: int  # HAProxy, for residents: the web chat
    rasa: int  # HAProxy, for the API
    actions: int  # HAProxy, for the Rasa servers
    monitor: int  # HAProxy's own health and its stats page
    redis: int
    postgres: int
    api_servers: tuple[int, ...]
    rasa_servers: tuple[int, ...]
    action_servers: tuple[int, ...]

    @classmethod
    def standard(cls, settings: Settings, replicas: int = REPLICAS) -> ClusterPorts:
        """`make run`'s ports in front (API_PORT, RASA_PORT, ACTION_PORT); the servers just above
        them: `replicas` API and action servers, and SPARE_RASA_SERVERS more Rasa servers."""

        def behind(port: int, servers: int = replicas) -> tuple[int, ...]:
            return tuple(port + n for n in range(1, servers + 1))

        return cls(
            api=settings.api_port,
            rasa=settings.rasa_port,
            actions=settings.action_port,
            monitor=8404,
            redis=6380,
            postgres=5433,
            api_servers=behind(settings.api_port),
            rasa_servers=behind(settings.rasa_port, replicas + SPARE_RASA_SERVERS),
            action_servers=behind(settings.action_port),
        )

    @classmethod
    def free(cls, replicas: int = REPLICAS) -> ClusterPorts:
        """Free loopback ports everywhere, for a cluster started beside others (tests)."""

        def several(servers: int = replicas) -> tuple[int, ...]:
            return tuple(free_port() for _ in range(servers))

        return cls(
            api=free_port(),
            rasa=free_port(),
            actions=free_port(),
            monitor=free_port(),
            redis=free_port(),
            postgres=free_port(),
            api_servers=several(),
            rasa_servers=several(replicas + SPARE_RASA_SERVERS),
            action_servers=several(),
        )


class Database(Protocol):
    """What the cluster needs of scripts.pg_server.PostgresServer."""

    @property
    def running(self) -> bool: ...

    def start(self, timeout: float = 30.0, preexec_fn: Callable[[], None] | None = None) -> None: ...

    def stop(self, timeout: float = 30.0) -> None: ...


def _loopback(ports: tuple[int, ...]) -> tuple[str, ...]:
    return tuple(f"127.0.0.1:{port}" for port in ports)


@dataclass
class Cluster(Stack):
    ports: ClusterPorts | None = None  # None: ClusterPorts.standard
    # False: Rasa's in-memory lock, one per server; only to show what the shared lock prevents.
    shared_lock: bool = True
    redis_password: str = field(default="", repr=False)
    # The database server, started by the caller (its URL is in the settings): watched and
    # restarted with the other servers, stopped last.
    postgres: Database | None = None

    def __post_init__(self) -> None:
        s = self.settings
        if self.ports is None:
            self.ports = ClusterPorts.standard(s)
        s.api_port, s.rasa_port, s.action_port = self.ports.api, self.ports.rasa, self.ports.actions
        # The API processes see every request come from HAProxy: believe its X-Forwarded-For.
        s.trusted_proxies = "127.0.0.1"
        if not s.conversation_secret.get_secret_value():
            s.conversation_secret = SecretStr(secrets.token_hex(32))
        self.redis_password = self.redis_password or secrets.token_hex(24)
        s.redis_url = SecretStr(redis_server.url(self.ports.redis, self.redis_password, redis_server.LIMITS_DB))
        super().__post_init__()

    def lock_store(self) -> dict[str, object] | None:
        if not self.shared_lock:
            return None
        assert self.ports is not None
        return {
            "type": LOCK_STORE_CLASS,
            "url": "127.0.0.1",
            "port": self.ports.redis,
            "db": redis_server.LOCKS_DB,
            "password": "${REDIS_PASSWORD}",  # Rasa reads it from its environment
        }

    def topology(self) -> Topology:
        p, s = self.ports, self.settings
        assert p is not None
        return Topology.of(
            monitor=f"127.0.0.1:{p.monitor}",
            api=(f"{s.api_host}:{p.api}", _loopback(p.api_servers)),
            rasa=(f"127.0.0.1:{p.rasa}", _loopback(p.rasa_servers)),
            actions=(f"127.0.0.1:{p.actions}", _loopback(p.action_servers)),
        )

    def build_services(self) -> list[Service]:
        p, s = self.ports, self.settings
        assert p is not None
        endpoints = write_endpoints(s, self.var_dir / "endpoints.yml", self.lock_store())
        return [
            redis_server.redis_service(self.var_dir / "redis", port=p.redis, password=self.redis_password),
            haproxy_service(self.topology(), self.var_dir / "haproxy.cfg"),
            *(actions_service(s, name=f"actions-{n}", port=port) for n, port in enumerate(p.action_servers, 1)),
            *(rasa_service(s, endpoints, name=f"rasa-{n}", port=port) for n, port in enumerate(p.rasa_servers, 1)),
            # Behind HAProxy on loopback, whatever API_HOST opens HAProxy's front to.
            *(api_service(s, name=f"api-{n}", port=port, host="127.0.0.1") for n, port in enumerate(p.api_servers, 1)),
        ]

    def waves(self) -> list[list[Service]]:
        """The first server of each kind, then the others: the first creates the database tables
        (the API's migrations, Rasa's tracker tables), and two processes creating one table at
        once on PostgreSQL make one of them fail."""
        first = [s for s in self.services if not s.name[-1:].isdigit() or s.name.endswith("-1")]
        return [first, [s for s in self.services if s not in first]]

    def start(self, timeout: float = 240.0) -> None:
        for wave in self.waves():
            for service in wave:
                self._spawn(service)
            self.wait_until_healthy(timeout, wave)

    def environment(self) -> dict[str, str]:
        env = super().environment()
        env.update(
            REDIS_URL=self.settings.redis_url.get_secret_value(),
            REDIS_PASSWORD=self.redis_password,
            CONVERSATION_SECRET=self.settings.conversation_secret.get_secret_value(),
            TICKET_LOCK_LIFETIME=str(LOCK_LIFETIME_SECONDS),  # read by Rasa's lock store
        )
        return env

    def crashed(self) -> list[Service]:
        gone = super().crashed()
        if self.postgres is not None and not self.postgres.running:
            gone.insert(0, Service(POSTGRES, [], ""))  # first: the others need it
        return gone

    def restart(self, service: Service, timeout: float = 180.0) -> None:
        if service.name == POSTGRES and self.postgres is not None:
            self.postgres.start(preexec_fn=die_with(os.getpid()))
            logger.info("postgres is ready")
            return
        super().restart(service, timeout)

    def stop(self, grace: float = 15.0) -> None:
        super().stop(grace)
        if self.postgres is not None:
            self.postgres.stop()

    def named(self, name: str) -> Service:
        return next(service for service in self.services if service.name == name)


def postgres_dir(cluster_dir: Path) -> Path:
    """Where PostgreSQL keeps the cluster's data. As root it runs as the `postgres` user, which
    cannot enter var/ (owner-only, issue 13 M7): then under Debian's /var/lib/postgresql."""
    if os.geteuid() == 0:
        checkout = hashlib.sha256(str(cluster_dir.resolve()).encode()).hexdigest()[:8]  # one per checkout
        return Path("/var/lib/postgresql") / f"assistant-cluster-{checkout}"
    return cluster_dir / "postgres"


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> int:
    from scripts.pg_server import PostgresError, PostgresServer

    logging.basicConfig(level=logging.INFO, format="[cluster] %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    signal.signal(signal.SIGTERM, _interrupt)
    settings = Settings()
    ports = ClusterPorts.standard(settings)
    postgres = PostgresServer(postgres_dir(CLUSTER_DIR), ports.postgres)
    cluster: Cluster | None = None
    try:
        postgres.start(preexec_fn=die_with(os.getpid()))
        postgres.create_database(DATABASE)
        settings.database_url = postgres.url(DATABASE)
        cluster = Cluster(settings, var_dir=CLUSTER_DIR, log_dir=CLUSTER_DIR / "logs", ports=ports, postgres=postgres)
        cluster.start()
        base = f"http://{settings.api_host}:{ports.api}"
        print(
            f"\n法律服务助手（集群）已启动 / the assistant cluster is running:\n  网页聊天 web chat:  {base}/\n"
            f"  负载均衡状态 balancer status:  http://127.0.0.1:{ports.monitor}/stats\n"
            f"  日志 logs:  {CLUSTER_DIR / 'logs'}\n按 Ctrl-C 停止 / press Ctrl-C to stop.\n",
            flush=True,
        )
        supervise(cluster)
    except KeyboardInterrupt:
        logging.info("stopping")
        return 0
    except (RuntimeError, TimeoutError, PostgresError, FileNotFoundError) as error:
        logging.error("%s", error)
        return 1
    finally:
        if cluster is not None:
            cluster.stop()
        else:
            postgres.stop()


if __name__ == "__main__":
    sys.exit(main())
