"""What the action tests share: a tracker right after a message, running an action, real resources."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.engine import Engine

from actions import runtime

Turn = Callable[..., Tracker]
Run = Callable[..., tuple[list[dict[str, Any]], dict[str, Any]]]


def make_turn(
    text: str = "",
    intent: str = "nlu_fallback",
    *,
    slots: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    entities: list[dict[str, Any]] | None = None,
    metadata: dict[str, Any] | None = None,
    sender: str = "web-" + "a" * 32,
    form: str | None = None,
    paused: bool = False,
) -> Tracker:
    """The tracker after the resident's message; `new` are the slots that message set."""
    events: list[dict[str, Any]] = [{"event": "user", "text": text, "input_channel": "rest"}]
    events += [{"event": "slot", "name": k, "value": v} for k, v in (new or {}).items()]
    return Tracker(
        sender_id=sender,
        slots={**(slots or {}), **(new or {})},
        latest_message={
            "text": text,
            "intent": {"name": intent, "confidence": 1.0},
            "entities": entities or [],
            "metadata": metadata or {},
        },
        events=events,
        paused=paused,
        followup_action=None,
        active_loop={"name": form} if form else {},
        latest_action_name="action_listen",
    )


def run_action(
    action: Action, tracker: Tracker, domain: dict[str, Any] | None = None
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """(messages, slots set) of one run, as the action server would return them."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, domain or {}))
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


@pytest.fixture
def turn() -> Turn:
    return make_turn


@pytest.fixture
def run() -> Run:
    return run_action


@pytest.fixture
def real_db(monkeypatch: pytest.MonkeyPatch, engine: Engine) -> Engine:
    monkeypatch.setattr(runtime, "engine", lambda: engine)
    return engine
