"""Throwaway topologies for the benchmarks and tests: `make run`'s stack or `make cluster`, the real
processes on free loopback ports, with a scratch database and logs in a temporary directory that
goes when the block is done."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from casebook.settings import Settings
from scripts.stack import Stack, die_with, free_port

if TYPE_CHECKING:
    from scripts.cluster import Cluster


@contextmanager
def scratch_stack(**settings: Any) -> Iterator[Stack]:
    """Started and healthy inside the block, stopped after it; `settings` override the rest
    (environment and .env) as Settings' own keywords."""
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        stack = Stack(
            Settings(
                database_url=f"sqlite:///{work / 'bench.db'}",
                api_port=free_port(),
                rasa_port=free_port(),
                action_port=free_port(),
                **settings,
            ),
            var_dir=work,
            log_dir=work / "logs",
        )
        stack.start(timeout=300)
        try:
            yield stack
        finally:
            stack.stop()


@contextmanager
def scratch_cluster(durable: bool = False, **settings: Any) -> Iterator[Cluster]:
    """`make cluster` on free ports with a scratch PostgreSQL; a start that fails prints the logs' tails.
    `durable`: PostgreSQL flushes to disk as `make cluster`'s does (benchmarks); tests skip it."""
    from scripts.cluster import Cluster, ClusterPorts  # the cluster's modules only when one is wanted
    from scripts.pg_server import PostgresServer

    work = Path(tempfile.mkdtemp(prefix="scratch-cluster-"))
    work.chmod(0o711)  # PostgreSQL runs as the postgres user when we are root: it must get in
    ports = ClusterPorts.free()
    postgres = PostgresServer(work / "postgres", ports.postgres, durable=durable)
    postgres.start(preexec_fn=die_with(os.getpid()))
    cluster: Cluster | None = None
    try:
        postgres.create_database("assistant")
        cluster = Cluster(
            Settings(database_url=postgres.url("assistant"), **settings),
            var_dir=work / "var",
            log_dir=work / "logs",
            ports=ports,
            postgres=postgres,
        )
        try:
            cluster.start(timeout=300)
        except Exception:
            for log in sorted((work / "logs").glob("*.log")):
                print(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}")
            raise
        yield cluster
    finally:
        if cluster is not None:
            cluster.stop()  # PostgreSQL last
        else:
            postgres.stop()
        shutil.rmtree(work, ignore_errors=True)
