"""One guard for every action: a failure is told to the resident, never a silent 500.

rasa-sdk answers an exception with HTTP 500 whose body is the whole tracker (names, phones,
every message), which Rasa then logs, and the turn's messages are dropped — the emergency
advice included. Behind this guard the action's messages so far still go out (the danger
advice is always uttered first), the resident is told in plain words that this step did not
work, with 12348 and 转人工, and the log names the action and the error's type only: an
exception's text may quote what the resident typed.
"""

from __future__ import annotations

import functools
import logging
import traceback
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import ValidationAction

logger = logging.getLogger(__name__)

FAILED_RESPONSE = "utter_action_failed"
GUARD_MARK = "__guarded__"

Run = Callable[[Any, CollectingDispatcher, Tracker, dict[str, Any]], Awaitable[list[EventType]]]
R = TypeVar("R", bound=Run)


def where(error: BaseException) -> str:
    """Files, lines and functions of the traceback, without the message or any values."""
    frames = traceback.extract_tb(error.__traceback__)
    return " < ".join(f"{frame.name}@{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}" for frame in reversed(frames))


def fallback_events(action: Any, tracker: Tracker) -> list[EventType]:
    """What a failed action leaves behind. A validation action that failed has validated
    nothing, so this turn's values are rejected rather than kept unchecked."""
    if isinstance(action, ValidationAction):
        return [SlotSet(slot, None) for slot in tracker.slots_to_validate()]
    return []


def guarded(run: R) -> R:
    """Wrap an action's `run` with the guard (see the module's docstring)."""

    @functools.wraps(run)
    async def wrapper(
        self: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        try:
            return await run(self, dispatcher, tracker, domain)
        except Exception as error:  # the point of the guard
            logger.error("action %s failed: %s at %s", self.name(), type(error).__name__, where(error))
            dispatcher.utter_message(response=FAILED_RESPONSE)
            return fallback_events(self, tracker)

    setattr(wrapper, GUARD_MARK, True)
    return wrapper  # type: ignore[return-value]
