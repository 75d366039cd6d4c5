"""The topologies `make bench-load` measures (scripts/bench_load.py), each started on free loopback
ports with scratch databases and gone afterwards.

A topology is a context manager yielding a `Running`: its chat URL, the Rasa URL and token for
the bare parse, its processes, and what to do to it halfway through each step of the ladder
(the cluster's figure is measured with a Rasa server killed). TOPOLOGIES lists them.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger("bench_load")


@dataclass(frozen=True)
class Running:
    """A topology, started: where residents chat, where the bare NLU parse is, what runs."""

    name: str
    chat_url: str
    rasa_url: str
    rasa_token: str
    processes: Callable[[], list[int]]  # top-level process ids; their children are counted too
    notes: tuple[str, ...] = ()
    # Done halfway through every step of the ladder (the cluster figure is measured with a
    # Rasa server killed mid-load), and undone between steps so each step starts whole.
    fault: Callable[[], None] | None = None
    recover: Callable[[], None] | None = None


Topology = Callable[[], AbstractContextManager[Running]]


@contextmanager
def make_run() -> Iterator[Running]:
    """`make run`'s three servers (scripts/stack.py), as scripts/scratch_stack.py starts them."""
    from scripts.scratch_stack import scratch_stack

    with scratch_stack(rate_limits=False) as stack:
        s = stack.settings
        yield Running(
            "make run",
            f"http://{s.api_host}:{s.api_port}/api/chat",
            s.rasa_url,
            s.rasa_auth_token,
            lambda: [sv.process.pid for sv in stack.services if sv.process is not None],
            ("RATE_LIMITS=false", "SQLite"),
        )


@contextmanager
def make_cluster() -> Iterator[Running]:
    """`make cluster` (scripts/cluster.py) on free ports, as tests/e2e/test_cluster.py starts it."""
    from scripts.pg_server import PostgresServer
    from scripts.scratch_stack import scratch_cluster

    with scratch_cluster(durable=True, rate_limits=False) as started:
        s = started.settings

        def kill_a_rasa_server() -> None:
            victim = started.named("rasa-1").process
            if victim is not None and victim.poll() is None:
                os.kill(victim.pid, signal.SIGKILL)
                logger.info("killed rasa-1 (pid %d) with SIGKILL", victim.pid)

        def restart_what_died() -> None:
            crashed = started.crashed()
            for service in crashed:
                started.restart(service, timeout=240)
            if crashed:
                time.sleep(5)  # HAProxy's health checks see it back (rise 2, every 2 s)

        postgres = started.postgres
        assert isinstance(postgres, PostgresServer)
        yield Running(
            "make cluster",
            f"http://{s.api_host}:{s.api_port}/api/chat",
            s.rasa_url,
            s.rasa_auth_token,
            lambda: [*(sv.process.pid for sv in started.services if sv.process), *postmaster(postgres.pgdata)],
            (
                "RATE_LIMITS=false",
                "PostgreSQL flushing to disk as make cluster's",
                "Redis",
                "HAProxy",
                "rasa-1 killed with kill -9 halfway through each step",
            ),
            fault=kill_a_rasa_server,
            recover=restart_what_died,
        )


def postmaster(pgdata: Path) -> list[int]:
    """PostgreSQL's main process, from its pid file (its backends are its children)."""
    try:
        return [int((pgdata / "postmaster.pid").read_text().split()[0])]
    except (OSError, ValueError, IndexError):
        return []


TOPOLOGIES: dict[str, Topology] = {"make run": make_run, "make cluster": make_cluster}
