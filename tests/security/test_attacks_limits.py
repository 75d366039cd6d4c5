"""Floods and oversized bodies against the API, as the security review ran them (M4, H3).

The API is the real application (api.main.create_app) with a stand-in for Rasa that counts
what reaches it: what matters here is what the edge lets through, not what Rasa answers.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.main import create_app
from api.security.limit_rules import limit_rules
from casebook.settings import PROJECT_ROOT, Settings
from scripts.stack import Service, Stack, api_service, free_port

RULES = limit_rules()
CHAT_RULE = RULES.for_request("POST", "/api/chat")
assert CHAT_RULE is not None
CHAT_BURST = CHAT_RULE.burst


class CountingRasa:
    """Answers every message; counts how many reached it."""

    def __init__(self) -> None:
        self.sent = 0

    async def send(self, sender: str, message: str, **_: Any) -> list[dict[str, Any]]:
        self.sent += 1
        return [{"recipient_id": sender, "text": "收到"}]

    async def tracker(self, sender: str, **_: Any) -> dict[str, Any]:
        return {"sender_id": sender, "events": [], "paused": False}

    async def parse(self, text: str) -> dict[str, Any]:
        return {"intent": {"name": "emergency"}}

    async def healthy(self) -> bool:
        return True

    async def aclose(self) -> None:
        return None


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    return create_app(Settings(database_url=f"sqlite:///{tmp_path / 'api.db'}", conversation_secret="k" * 40))


@pytest.fixture
def rasa() -> CountingRasa:
    return CountingRasa()


@pytest.fixture
def attacker(app: FastAPI, rasa: CountingRasa) -> Iterator[TestClient]:
    with TestClient(app, client=("203.0.113.66", 40000)) as client:
        app.state.rasa = rasa
        yield client


def fresh_token() -> str:
    return f"web-{uuid.uuid4()}"


# --- M4: a 9 MB message ---

NINE_MB = 9 * 1024 * 1024


def test_a_9_mb_message_is_refused_with_413_before_it_is_parsed(attacker: TestClient, rasa: CountingRasa) -> None:
    body = json.dumps({"sender": fresh_token(), "message": "欠" * (NINE_MB // 3)}, ensure_ascii=False).encode()
    response = attacker.post("/api/chat", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json() == {"detail": RULES.messages.too_large}
    assert rasa.sent == 0


def test_a_9_mb_message_sent_without_a_length_is_cut_off_at_the_cap(app: FastAPI, rasa: CountingRasa) -> None:
    pulled: list[int] = []

    async def nine_megabytes() -> AsyncIterator[bytes]:
        yield b'{"sender": "' + fresh_token().encode() + b'", "message": "'
        for _ in range(NINE_MB // 65536):
            pulled.append(65536)
            yield b"a" * 65536
        yield b'"}'

    async def send() -> httpx.Response:
        async with app.router.lifespan_context(app):
            app.state.rasa = rasa
            transport = httpx.ASGITransport(app=app, client=("203.0.113.66", 40000))
            async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
                return await client.post("/api/chat", content=nine_megabytes())

    response = asyncio.run(send())
    assert response.status_code == 413
    assert response.json() == {"detail": RULES.messages.too_large}
    assert sum(pulled) <= 2 * 65536  # the API stopped reading at the cap: 9 MB were never taken in
    assert rasa.sent == 0


# --- H3: a burst of 120 /emergency from one client ---


def test_a_burst_of_120_emergency_messages_from_one_client_is_cut_with_429(
    attacker: TestClient, rasa: CountingRasa
) -> None:
    # As the review's script did: a fresh conversation each time, half through each endpoint.
    paths = ["/api/chat", "/webhooks/rest/webhook"] * 60
    responses = [attacker.post(path, json={"sender": fresh_token(), "message": "/emergency"}) for path in paths]
    statuses = [r.status_code for r in responses]
    served = statuses.count(200)
    assert CHAT_BURST <= served <= CHAT_BURST + 2  # the burst, plus at most a token or two refilled meanwhile
    assert statuses[:CHAT_BURST] == [200] * CHAT_BURST
    assert statuses.count(429) == 120 - served
    assert rasa.sent == served  # a refused message never reaches the dialogue engine
    refused = next(r for r in responses if r.status_code == 429)
    assert refused.json() == {"detail": RULES.messages.too_many}
    assert int(refused.headers["Retry-After"]) >= 1


def test_other_residents_are_served_while_one_client_floods(app: FastAPI, attacker: TestClient) -> None:
    for _ in range(CHAT_BURST + 10):
        attacker.post("/api/chat", json={"sender": fresh_token(), "message": "/emergency"})
    assert attacker.post("/api/chat", json={"sender": fresh_token(), "message": "你好"}).status_code == 429
    resident = TestClient(app, client=("198.51.100.7", 40001))
    response = resident.post("/api/chat", json={"sender": fresh_token(), "message": "老板欠薪怎么办"})
    assert response.status_code == 200


def test_forged_forwarded_for_headers_do_not_buy_an_attacker_fresh_limits(attacker: TestClient) -> None:
    statuses = [
        attacker.post(
            "/api/chat",
            json={"sender": fresh_token(), "message": "/emergency"},
            headers={"X-Forwarded-For": f"10.0.0.{n % 250}"},
        ).status_code
        for n in range(CHAT_BURST + 5)
    ]
    assert statuses[-5:] == [429] * 5


class ApiOnly(Stack):
    """The stack's API alone: no Rasa server, so no trained model needed."""

    def build_services(self) -> list[Service]:
        return [api_service(self.settings)]


def test_forged_forwarded_for_headers_buy_nothing_through_the_real_server_either(tmp_path: Path) -> None:
    # The API exactly as the stack starts it (uvicorn, its command line and environment), with no
    # Rasa behind it: the edge answers before the dialogue is needed. uvicorn itself would believe
    # X-Forwarded-For from a loopback peer, which the in-process client above never shows.
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'api.db'}",
        api_port=free_port(),
        rasa_port=free_port(),
        action_port=free_port(),
    )
    stack = ApiOnly(settings, var_dir=tmp_path, log_dir=tmp_path / "logs")
    (api,) = stack.services
    server = subprocess.Popen(
        api.command, cwd=PROJECT_ROOT, env=stack.environment(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://{settings.api_host}:{settings.api_port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/api/kiosk/settings", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        statuses = [
            httpx.post(
                f"{base}/api/chat",
                json={"sender": fresh_token(), "message": "救命 他要打死我"},
                headers={"X-Forwarded-For": f"203.0.113.{n}"},
                timeout=10,
            ).status_code
            for n in range(CHAT_BURST + 5)
        ]
    finally:
        server.terminate()
        server.wait(timeout=15)
    assert statuses[-5:] == [429] * 5
