"""The action server as a balancer and Prometheus see it: /health, /health/ready, /metrics."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from actions import server
from casebook.settings import PROJECT_ROOT
from scripts.stack import free_port
from tests.live_servers import wait_until_answering

TOKEN = "s3cret-action-token"
# The real app (rasa-sdk's, with every action) on Sanic, without main()'s knowledge loading.
RUN_APP = (
    "import sys; from actions.server import create_app; "
    "create_app(sys.argv[1]).run(host='127.0.0.1', port=int(sys.argv[2]), single_process=True, access_log=False, motd=False)"
)


def sample(text: str, name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return float(s.value)
    return 0.0


@pytest.fixture(scope="module")
def action_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('actions') / 'cases.db'}",
    }
    process = subprocess.Popen(
        [sys.executable, "-c", RUN_APP, TOKEN, str(port)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(f"{base}/health", timeout=90)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_health_ready_and_metrics_need_no_token(action_server: str) -> None:
    assert httpx.get(f"{action_server}/health", timeout=5).status_code == 200
    assert httpx.get(f"{action_server}/metrics", timeout=5).status_code == 200
    assert httpx.get(f"{action_server}/health/ready", timeout=5).status_code in (200, 503)
    assert httpx.post(f"{action_server}/webhook", json={}, timeout=5).status_code == 401


def test_not_ready_until_the_knowledge_layer_is_loaded(action_server: str) -> None:
    # This process never ran main(), which loads the knowledge layer before opening the port.
    response = httpx.get(f"{action_server}/health/ready", timeout=5)
    assert response.status_code == 503
    assert response.json()["not_ready"] == ["knowledge"]
    assert response.json()["checks"]["database"] == "ok"


def test_actions_are_counted_by_name_and_outcome(action_server: str) -> None:
    before = httpx.get(f"{action_server}/metrics", timeout=5).text
    call = {"next_action": "action_that_does_not_exist", "sender_id": "web-x", "tracker": {"sender_id": "web-x"}}
    answer = httpx.post(f"{action_server}/webhook", json=call, headers={server.TOKEN_HEADER: TOKEN}, timeout=10)
    assert answer.status_code >= 400
    after = httpx.get(f"{action_server}/metrics", timeout=5).text
    labels = {"action": "action_that_does_not_exist", "outcome": "error"}
    assert sample(after, "assistant_actions_total", **labels) == sample(before, "assistant_actions_total", **labels) + 1
    assert sample(after, "assistant_action_seconds_count", action="action_that_does_not_exist") >= 1


def test_ready_when_knowledge_is_loaded_and_the_database_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server, "knowledge_loaded", lambda: True)
    monkeypatch.setattr(server, "database_answers", lambda: True)
    status, body = asyncio.run(server.readiness())
    assert status == 200 and body["status"] == "ready" and body["not_ready"] == []


def test_a_database_slower_than_the_timeout_is_not_ready(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server, "READY_TIMEOUT_SECONDS", 0.2)
    monkeypatch.setattr(server, "knowledge_loaded", lambda: True)
    monkeypatch.setattr(server, "database_answers", lambda: time.sleep(1) or True)
    status, body = asyncio.run(server.readiness())
    assert status == 503 and body["not_ready"] == ["database"]


def test_an_unreachable_database_is_not_ready(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from sqlalchemy import create_engine

    from actions import runtime

    monkeypatch.setattr(runtime, "engine", lambda: create_engine(f"sqlite:///{tmp_path / 'missing' / 'x.db'}"))
    assert server.database_answers() is False
