"""The action tests' harness: a tracker right after a resident's message, running an action as the
action server would, with Rasa's real domain. The fixtures live in conftest.py."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.forms.checked import CHECKED_SLOT

DOMAIN_DIR = Path(__file__).resolve().parents[3] / "bot" / "domain"
NOW = datetime(2030, 3, 4, 8, 0)  # a Monday morning before opening: the office clock in tests

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


@cache
def domain() -> dict[str, Any]:
    """Rasa's domain as the action server receives it: slots, forms and responses of bot/domain."""
    merged: dict[str, Any] = {"slots": {}, "forms": {}, "responses": {}}
    for path in sorted(DOMAIN_DIR.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for key in merged:
            merged[key].update(data.get(key) or {})
    return merged


def form_turn(
    form: str | None,
    slots: dict[str, Any],
    new: dict[str, Any] | None = None,
    text: str = "",
    intent: str = "nlu_fallback",
    entities: list[dict[str, Any]] | None = None,
    sender: str = "resident-1",
) -> Tracker:
    """A tracker inside `form` right after the resident's message: `new` are the slots it set."""
    return make_turn(text, intent, slots=slots, new=new, entities=entities, sender=sender, form=form)


def run_form(action: Action, tracker: Tracker) -> tuple[list[dict[str, Any]], dict[str, Any], list[dict[str, Any]]]:
    """(messages, slots set, events) of one run with the real domain."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, domain()))
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    return dispatcher.messages, slots, events


def validated(slots: dict[str, Any]) -> dict[str, Any]:
    """Slots as the form's validation left them: each answer recorded as checked."""
    return {**slots, CHECKED_SLOT: {k: v for k, v in slots.items() if v is not None}}


def responses(messages: list[dict[str, Any]]) -> list[str]:
    return [m.get("response") or "" for m in messages]
