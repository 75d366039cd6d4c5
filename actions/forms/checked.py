"""Which form answers passed the form's own validation, so a submit can tell them from others.

Slots of an active form are also filled while staff have paused the bot (Rasa still extracts
them, but no validation runs), and by actions other than the form. The form's validation
records each value it let through in `form_checked`; a submit asks again for any answer that
differs from its record rather than write what nobody checked.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

CHECKED_SLOT = "form_checked"


def checked_values(tracker: Tracker) -> dict[str, Any]:
    record = tracker.get_slot(CHECKED_SLOT)
    return dict(record) if isinstance(record, dict) else {}


def record_checked(tracker: Tracker, values: dict[str, Any]) -> SlotSet:
    """The record with these values added (as the form's validation, or an action, left them)."""
    return SlotSet(CHECKED_SLOT, {**checked_values(tracker), **values})


def checked_in(events: Iterable[EventType], slots: Iterable[str]) -> dict[str, Any]:
    """The values a validation run leaves in these slots."""
    wanted = set(slots)
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot" and e.get("name") in wanted}


def unchecked_slots(tracker: Tracker, slots: Iterable[str]) -> list[str]:
    """Filled slots whose value is not the one validation recorded."""
    record = checked_values(tracker)
    missing = object()
    return [
        slot
        for slot in slots
        if tracker.get_slot(slot) is not None and record.get(slot, missing) != tracker.get_slot(slot)
    ]
