"""Each real process's health, as a load balancer sees it (docs/operations.md), and one real turn
on the API's metrics: the real trained Rasa server, the action server and the API."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from scripts.stack import Stack

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack(real_stack: Callable[[str], AbstractContextManager[Stack]]) -> Iterator[Stack]:
    with real_stack("health") as running:
        yield running


def test_rasa_answers_a_balancer_without_a_token_only_at_its_root_and_version(stack: Stack) -> None:
    rasa = f"http://{stack.settings.rasa_host}:{stack.settings.rasa_port}"
    root = httpx.get(f"{rasa}/", timeout=10)
    assert root.status_code == 200 and root.text.startswith("Hello from Rasa: 3.6")
    assert httpx.get(f"{rasa}/version", timeout=10).status_code == 200
    assert httpx.get(f"{rasa}/status", timeout=10).status_code == 401  # the model's name needs a token


def test_the_action_server_is_alive_and_ready(stack: Stack) -> None:
    actions = f"http://{stack.settings.action_host}:{stack.settings.action_port}"
    assert httpx.get(f"{actions}/health", timeout=10).status_code == 200
    ready = httpx.get(f"{actions}/health/ready", timeout=10)
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"knowledge": "ok", "database": "ok"}


def test_the_api_is_alive_and_ready_with_the_real_rasa(stack: Stack) -> None:
    api = f"http://{stack.settings.api_host}:{stack.settings.api_port}"
    assert httpx.get(f"{api}/api/health/live", timeout=10).json() == {"status": "alive"}
    ready = httpx.get(f"{api}/api/health/ready", timeout=10)
    assert ready.status_code == 200, ready.text
    # Rasa's root page is plain text: the summary once answered 500 whenever Rasa was up.
    summary = httpx.get(f"{api}/api/health", timeout=10)
    assert summary.status_code == 200 and summary.json() == {"api": "ok", "dialogue": "ok"}


def test_a_real_turn_shows_on_the_apis_metrics(stack: Stack) -> None:
    api = f"http://{stack.settings.api_host}:{stack.settings.api_port}"

    def turns() -> float:
        families = text_string_to_metric_families(httpx.get(f"{api}/metrics", timeout=10).text)
        samples = [s for f in families for s in f.samples if s.name == "assistant_turns_total"]
        return sum(s.value for s in samples if s.labels.get("channel") == "web")

    before = turns()
    reply = httpx.post(f"{api}/api/chat", json={"sender": f"web-{uuid.uuid4()}", "message": "你好"}, timeout=60)
    assert reply.status_code == 200 and reply.json()
    assert turns() == before + 1
