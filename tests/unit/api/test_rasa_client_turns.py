"""Every turn the API sends to Rasa carries an id of its own, under the key the Rasa server reads
(scripts/rasa_turns.py): a request a balancer resends is then recognised as the same turn."""

from __future__ import annotations

import asyncio
import json

import httpx

from api.rasa_client import TURN_KEY, RasaClient
from scripts import rasa_turns


def sent_bodies(*metadata: dict[str, str] | None) -> list[dict[str, object]]:
    bodies: list[dict[str, object]] = []

    def rasa(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return httpx.Response(200, json=[])

    async def calls() -> None:
        client = RasaClient(
            "http://rasa", timeout=5, auth_token="s", http=httpx.AsyncClient(transport=httpx.MockTransport(rasa))
        )
        for extra in metadata:
            await client.send("web-" + "a" * 32, "你好", metadata=extra)
        await client.aclose()

    asyncio.run(calls())
    return bodies


def test_each_turn_has_an_id_of_its_own_beside_the_callers_metadata() -> None:
    first, second = sent_bodies({"client": "c1"}, None)
    assert first["metadata"] == {TURN_KEY: first["metadata"][TURN_KEY], "client": "c1"}  # type: ignore[index]
    turns = {body["metadata"][TURN_KEY] for body in (first, second)}  # type: ignore[index]
    assert len(turns) == 2 and all(isinstance(turn, str) and len(turn) == 32 for turn in turns)


def test_the_api_and_the_rasa_server_read_the_same_key() -> None:
    assert TURN_KEY == rasa_turns.TURN_KEY
