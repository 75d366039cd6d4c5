"""A resident of the end-to-end tests: a web page talking to the real API."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from api.security.conversation_ids import ConversationIds
from scripts.stack import Stack


class Resident:
    """A web page: it holds the token; Rasa, the database and staff know the conversation as `sender`."""

    def __init__(self, stack: Stack):
        self.base = f"http://{stack.settings.api_host}:{stack.settings.api_port}"
        self.token = f"web-{uuid.uuid4()}"
        sender = ConversationIds.from_settings(stack.settings).resident(self.token)
        assert sender is not None
        self.sender = sender

    def post(self, message: str) -> httpx.Response:
        return httpx.post(f"{self.base}/api/chat", json={"sender": self.token, "message": message}, timeout=60)

    def say(self, message: str) -> list[dict[str, Any]]:
        response = self.post(message)
        assert response.status_code == 200, response.text
        replies: list[dict[str, Any]] = response.json()
        assert replies, f"no reply to {message!r}"
        return replies

    def transcript(self) -> list[dict[str, Any]]:
        response = httpx.get(
            f"{self.base}/api/conversation/messages", headers={"X-Conversation": self.token}, timeout=30
        )
        assert response.status_code == 200, response.text
        lines: list[dict[str, Any]] = response.json()
        return lines


def texts(replies: list[dict[str, Any]]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)
