"""What the action tests share: a tracker right after a message, running an action, real resources.

The fixtures `turn` and `run` hand out `make_turn` and `run_action`; the form tests import the
plain functions (`form_turn`, `run_form`: the form's tracker and Rasa's real domain).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, NoReturn

import pytest
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.engine import Engine

from actions import runtime
from actions.forms.checked import CHECKED_SLOT
from knowledge.consultant import Consultant

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


@pytest.fixture
def turn() -> Turn:
    return make_turn


@pytest.fixture
def run() -> Run:
    return run_action


def _not_requested(resource: str, fixture: str) -> Callable[[], NoReturn]:
    def refuse() -> NoReturn:
        # pytest.fail raises a BaseException: the actions' own `except Exception` cannot swallow it.
        pytest.fail(f"this test uses the {resource}: request the `{fixture}` fixture")

    return refuse


@pytest.fixture(autouse=True)
def _only_requested_resources(monkeypatch: pytest.MonkeyPatch) -> None:
    """An action test reaches the database or the knowledge layer only through `real_db` or
    `real_consultant` (which replace these refusals), never the developer's own var/ files, and
    a test that loads the encoder says so (it is marked `model` and left out of make test-fast)."""
    monkeypatch.setattr(runtime, "engine", _not_requested("database", "real_db"))
    monkeypatch.setattr(runtime, "consultant", _not_requested("knowledge layer", "real_consultant"))


@pytest.fixture
def real_db(monkeypatch: pytest.MonkeyPatch, engine: Engine) -> Engine:
    monkeypatch.setattr(runtime, "engine", lambda: engine)
    return engine


@pytest.fixture
def office_clock(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """The actions' one clock (runtime.office_now) stopped at NOW."""
    monkeypatch.setattr(runtime, "office_now", lambda: NOW)
    return NOW


@pytest.fixture
def quick_knowledge(monkeypatch: pytest.MonkeyPatch, quick_consultant: Consultant) -> Consultant:
    """A knowledge layer without the encoder (tests/conftest.py `quick_consultant`), for tests in
    which a message passes through it but its answer is not what they check."""
    monkeypatch.setattr(runtime, "consultant", lambda: quick_consultant)
    return quick_consultant


@pytest.fixture
def real_consultant(monkeypatch: pytest.MonkeyPatch, consultant: Consultant) -> Consultant:
    """The real knowledge layer (loads the encoder: the test is marked `model`)."""
    monkeypatch.setattr(runtime, "consultant", lambda: consultant)
    return consultant


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
