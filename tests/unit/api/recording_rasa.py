"""A stand-in for the Rasa server that answers like its REST channel and records what it was sent."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class RecordingRasa:
    """Answers like Rasa's REST channel and remembers what it was sent."""

    sent: list[tuple[str, str, dict[str, Any] | None]] = field(default_factory=list)
    events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    tracker_reads: list[tuple[str, str | None]] = field(default_factory=list)

    async def send(self, sender: str, message: str, *, metadata: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        self.sent.append((sender, message, metadata))
        self.events.setdefault(sender, []).append({"event": "user", "text": message, "timestamp": 1.0})
        return [{"recipient_id": sender, "text": f"收到：{message}"}]

    async def tracker(self, sender: str, *, include_events: str | None = None) -> dict[str, Any]:
        self.tracker_reads.append((sender, include_events))
        return {"sender_id": sender, "events": list(self.events.get(sender, [])), "paused": False}

    def offer(self, sender: str, *payloads: str) -> None:
        buttons = [{"title": p, "payload": p} for p in payloads]
        self.events.setdefault(sender, []).append({"event": "bot", "text": "请选择", "data": {"buttons": buttons}})

    async def parse(self, text: str) -> dict[str, Any]:
        return {"intent": {"name": "consult"}}

    async def healthy(self) -> bool:
        return True

    async def aclose(self) -> None:
        return None
