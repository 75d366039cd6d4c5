"""One client gets at most two dialogue turns at once, however many connections it opens."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import httpx

from api.main import create_app
from casebook.settings import Settings


class SlowRasa:
    """Takes a while over every turn, as the dialogue engine does, and counts turns at once."""

    def __init__(self) -> None:
        self.now = 0
        self.most = 0

    async def send(self, sender: str, message: str, **_: Any) -> list[dict[str, Any]]:
        self.now += 1
        self.most = max(self.most, self.now)
        await asyncio.sleep(0.3)
        self.now -= 1
        return [{"recipient_id": sender, "text": "收到"}]

    async def tracker(self, sender: str, **_: Any) -> dict[str, Any]:
        return {"events": [], "paused": False}

    async def aclose(self) -> None:
        return None


def test_a_clients_extra_connections_are_refused_while_two_turns_are_in_flight(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'api.db'}", conversation_secret="k" * 40))
    rasa = SlowRasa()

    async def flood() -> list[int]:
        async with app.router.lifespan_context(app):
            app.state.rasa = rasa
            transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 5000))
            async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
                sends = [
                    client.post("/api/chat", json={"sender": f"web-{uuid.uuid4()}", "message": "救命"})
                    for _ in range(6)
                ]
                return sorted(r.status_code for r in await asyncio.gather(*sends))

    statuses = asyncio.run(flood())
    assert statuses == [200, 200, 429, 429, 429, 429]
    assert rasa.most == 2
