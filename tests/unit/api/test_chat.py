"""The chat API's own behaviour: bad input, typed commands, a dialogue engine that is down, statutes, the page."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.resident_texts import resident_texts
from casebook.settings import Settings

TOKEN = "web-3f6c2a8e-6a8e-4b0c-9d5e-0c7c1d2e4f11"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nothing listens here once the socket closes


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'api.db'}",
        rasa_port=closed_port(),
        max_message_chars=50,
        rasa_timeout_seconds=2,
        api_docs=True,
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.mark.parametrize("message", ["", "   ", "\n\t", "\x00\x07"])
def test_empty_messages_get_a_chinese_prompt_without_reaching_the_engine(client: TestClient, message: str) -> None:
    response = client.post("/api/chat", json={"sender": TOKEN, "message": message})
    assert response.status_code == 200
    assert response.json() == [{"recipient_id": TOKEN, "text": resident_texts().empty_message}]


def test_an_over_long_message_is_explained_not_truncated(client: TestClient) -> None:
    response = client.post("/api/chat", json={"sender": TOKEN, "message": "欠" * 51})
    assert response.status_code == 200
    assert "太长" in response.json()[0]["text"] and "50" in response.json()[0]["text"]


def test_an_engine_that_is_down_gives_503_with_a_chinese_message(client: TestClient) -> None:
    for path in ("/api/chat", "/webhooks/rest/webhook"):
        response = client.post(path, json={"sender": TOKEN, "message": "老板欠薪怎么办"})
        assert response.status_code == 503
        assert response.json()["detail"] == resident_texts().dialogue_unavailable
    assert client.get("/api/health").json() == {"api": "ok", "dialogue": "unavailable"}


@pytest.mark.parametrize(
    "body", [{"message": "你好"}, {"sender": "<script>", "message": "你好"}, {"sender": "x" * 200, "message": "hi"}]
)
def test_malformed_requests_are_rejected_in_chinese(client: TestClient, body: dict[str, str]) -> None:
    response = client.post("/api/chat", json=body)
    assert response.status_code == 422
    assert response.json()["detail"] == resident_texts().invalid_request


def test_non_json_bodies_are_rejected_in_chinese(client: TestClient) -> None:
    response = client.post("/api/chat", content=b"<xml>", headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"] == resident_texts().invalid_request


def test_cited_articles_can_be_read_in_full(client: TestClient) -> None:
    response = client.get("/api/statutes", params={"cite": "民法典第一千零七十九条"})
    assert response.status_code == 200
    body = response.json()
    assert body["law"] == "民法典" and body["article"] == "第一千零七十九条"
    assert "诉讼离婚" in body["text"] or "提起离婚诉讼" in body["text"]
    missing = client.get("/api/statutes", params={"cite": "民法典第九千条"})
    assert missing.status_code == 404 and missing.json()["detail"] == resident_texts().statute_not_found


def test_the_web_chat_page_and_the_schema_are_served(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "法律服务助手" in page.text
    assert client.get("/static/chat.js").status_code == 200
    schema = client.get("/openapi.json").json()
    assert "/webhooks/rest/webhook" in schema["paths"] and "/api/chat" in schema["paths"]


def test_the_interactive_api_pages_are_off_unless_asked_for(tmp_path: Path) -> None:
    with TestClient(create_app(Settings(database_url=f"sqlite:///{tmp_path / 'a.db'}"))) as public:
        assert public.get("/docs").status_code == 404
        assert public.get("/openapi.json").status_code == 404
