"""Client for the Rasa server: the REST channel and the conversation tracker."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import httpx

from api.rasa_token import bearer_headers

# The metadata key of a turn's own id; the Rasa server (bot environment, scripts/rasa_turns.py)
# reads the same key, pinned by tests/unit/api/test_rasa_client_turns.py.
TURN_KEY = "turn"

logger = logging.getLogger(__name__)


class DialogueUnavailable(Exception):
    """Rasa did not answer: down, starting, or too slow."""


class RasaClient:
    """`auth_token` is the secret Rasa checks JWTs with: every request carries a fresh bearer
    token in its `Authorization` header, never the secret itself and never in the URL."""

    def __init__(self, base_url: str, *, timeout: float, auth_token: str = "", http: httpx.AsyncClient | None = None):
        self._base_url = base_url.rstrip("/")
        self._token = auth_token
        self._http = http or httpx.AsyncClient(timeout=timeout)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = await self._http.request(
                method, f"{self._base_url}{path}", headers=bearer_headers(self._token), **kwargs
            )
        except httpx.HTTPError as error:
            logger.warning("dialogue engine unreachable: %s", type(error).__name__)
            raise DialogueUnavailable from error
        if response.status_code >= 500:
            logger.warning("dialogue engine answered %s", response.status_code)
            raise DialogueUnavailable
        response.raise_for_status()
        return response.json()

    async def send(self, sender: str, message: str, *, metadata: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """One resident turn through Rasa's REST channel; returns the bot's messages.

        `metadata` reaches the actions as the message's metadata (the API puts the keyed
        client address there, so lookups can be limited per client). Each turn also carries an
        id of its own: a balancer that resends the request to a second Rasa server gets the
        first one's answer instead of a second run (scripts/rasa_turns.py)."""
        body: dict[str, Any] = {"sender": sender, "message": message, "metadata": {TURN_KEY: uuid.uuid4().hex}}
        body["metadata"].update(metadata or {})
        result = await self._request("POST", "/webhooks/rest/webhook", json=body)
        return result if isinstance(result, list) else []

    async def tracker(self, sender: str, *, include_events: str | None = None) -> dict[str, Any]:
        """The conversation's tracker; Rasa's default leaves out everything before a restart,
        so staff ask for `include_events="ALL"`."""
        params = {"include_events": include_events} if include_events else {}
        result = await self._request("GET", f"/conversations/{sender}/tracker", params=params)
        return result if isinstance(result, dict) else {}

    async def append_events(self, sender: str, events: list[dict[str, Any]]) -> None:
        """Add events to a conversation (pause, resume, a staff member's message as a bot turn)."""
        params = {"include_events": "NONE"}
        await self._request("POST", f"/conversations/{sender}/tracker/events", params=params, json=events)

    async def parse(self, text: str) -> dict[str, Any]:
        """The NLU's reading of a message, without touching any conversation."""
        result = await self._request("POST", "/model/parse", json={"text": text})
        return result if isinstance(result, dict) else {}

    async def healthy(self) -> bool:
        # Rasa's "/" answers plain text ("Hello from Rasa: 3.6.x"), not JSON: only the status counts.
        try:
            response = await self._http.get(f"{self._base_url}/")
        except httpx.HTTPError:
            return False
        return response.status_code == 200
