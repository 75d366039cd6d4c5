"""The console on a fresh SQLite database per test, with an injected clock and a fake dialogue engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from console_helpers import FakeClock, FakeRasa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.console.deps import get_clock
from api.deps import get_rasa, get_session
from api.main import create_app
from casebook.settings import Settings


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def rasa() -> FakeRasa:
    return FakeRasa()


@pytest.fixture
def console_settings(tmp_path: Path) -> Settings:
    # TestClient speaks plain HTTP, which never sends back a Secure cookie. The edge's rate limits
    # (api/security, tested in tests/security) are off: these tests count the console's own refusals.
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'lifespan.db'}",
        rasa_port=1,
        console_secure_cookies=False,
        rate_limits=False,
    )


@pytest.fixture
def app(console_settings: Settings, engine: Engine, clock: FakeClock, rasa: FakeRasa) -> FastAPI:
    application = create_app(console_settings)

    def session_override() -> Iterator[Session]:
        with Session(engine) as db_session:
            yield db_session

    application.dependency_overrides[get_session] = session_override
    application.dependency_overrides[get_clock] = lambda: clock
    application.dependency_overrides[get_rasa] = lambda: rasa
    return application


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def anonymous(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client
