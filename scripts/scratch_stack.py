"""A throwaway stack for the benchmarks: the real processes on free loopback ports, with a scratch
database and logs in a temporary directory that goes when the benchmark is done."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from api.settings import Settings
from scripts.stack import Stack, free_port


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
