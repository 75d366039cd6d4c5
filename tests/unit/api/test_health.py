"""Alive vs ready: what a load balancer learns from the API's health endpoints."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from api.main import create_app
from casebook.settings import Settings
from scripts.stack import free_port
from tests.live_servers import StandInRasa, stand_in_rasa


@pytest.fixture
def rasa() -> Iterator[StandInRasa]:
    with stand_in_rasa() as running:
        yield running


def client_for(tmp_path: Path, rasa_port: int) -> TestClient:
    return TestClient(create_app(Settings(database_url=f"sqlite:///{tmp_path / 'api.db'}", rasa_port=rasa_port)))


def test_alive_needs_nothing_but_the_process(tmp_path: Path) -> None:
    with client_for(tmp_path, free_port()) as client:  # no Rasa anywhere
        response = client.get("/api/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "alive"}


def test_ready_when_the_database_and_rasa_answer(tmp_path: Path, rasa: StandInRasa) -> None:
    with client_for(tmp_path, rasa.port) as client:
        response = client.get("/api/health/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": "ok", "dialogue": "ok"}, "not_ready": []}


def test_the_summary_reads_rasas_plain_text_root_page(tmp_path: Path, rasa: StandInRasa) -> None:
    # Rasa's "/" is "Hello from Rasa: 3.6.x", not JSON: it once made this endpoint a 500.
    with client_for(tmp_path, rasa.port) as client:
        response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"api": "ok", "dialogue": "ok"}


def test_not_ready_names_rasa_when_it_is_down(tmp_path: Path) -> None:
    with client_for(tmp_path, free_port()) as client:
        response = client.get("/api/health/ready")
        summary = client.get("/api/health")
    assert response.status_code == 503
    assert response.json()["not_ready"] == ["dialogue"]
    assert response.json()["checks"] == {"database": "ok", "dialogue": "unavailable"}
    assert summary.status_code == 200 and summary.json()["dialogue"] == "unavailable"


def test_not_ready_names_the_database_when_it_cannot_be_queried(tmp_path: Path, rasa: StandInRasa) -> None:
    with client_for(tmp_path, rasa.port) as client:
        client.app.state.engine.dispose()  # type: ignore[attr-defined]
        client.app.state.engine = create_engine(f"sqlite:///{tmp_path / 'no-such-dir' / 'gone.db'}")  # type: ignore[attr-defined]
        response = client.get("/api/health/ready")
    assert response.status_code == 503
    assert response.json()["not_ready"] == ["database"]


def test_a_rasa_that_accepts_but_never_answers_is_not_ready_within_the_timeout(tmp_path: Path) -> None:
    with socket.socket() as silent:  # listens, never accepts: connections hang
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        with client_for(tmp_path, silent.getsockname()[1]) as client:
            started = time.monotonic()
            response = client.get("/api/health/ready")
            elapsed = time.monotonic() - started
    assert response.status_code == 503 and response.json()["not_ready"] == ["dialogue"]
    assert elapsed < 5
