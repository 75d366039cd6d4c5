"""Rasa's own restart and back, typed by a resident, leave the conversation as it is."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rasa_sdk import Action, Tracker

from actions.reserved import ActionBack, ActionRestart

Turn = Callable[..., Tracker]
Run = Callable[..., tuple[list[dict[str, Any]], dict[str, Any]]]
RESERVED = [ActionRestart(), ActionBack()]


def test_they_replace_rasas_own_actions() -> None:
    assert [a.name() for a in RESERVED] == ["action_restart", "action_back"]


@pytest.mark.parametrize("action", RESERVED)
def test_outside_a_takeover_the_resident_is_answered_and_nothing_is_reset(turn: Turn, run: Run, action: Action) -> None:
    messages, slots = run(action, turn("/restart", "restart", slots={"handoff_reference": "RG-AAAA-BBBB"}))
    assert [m["response"] for m in messages] == ["utter_anything_else"] and slots == {}  # no Restarted


@pytest.mark.parametrize("action", RESERVED)
def test_during_a_takeover_the_bot_stays_quiet_and_the_pause_holds(turn: Turn, run: Run, action: Action) -> None:
    messages, slots = run(action, turn("/restart", "restart", paused=True))
    assert messages == [] and slots == {}
