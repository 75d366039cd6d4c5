"""What the NLU and the message metadata hand to actions, read with their types checked.

A typed `/intent{json}` (from an edge that let it through, or Rasa's own REST channel on
loopback) turns any JSON into entities: a dict for a rating, a list for a phone, a long
string for an area. Actions read entities, the `area` slot and the metadata only through
these functions, which return a value of the expected type and vocabulary or None.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker

from knowledge.areas import load_taxonomy

MAX_ENTITY_CHARS = 64
# The API's keyed hash of the client's address (api/security/conversation_ids.py).
CLIENT_KEY = re.compile(r"c-[0-9a-f]{16}")


def area_or_none(value: Any) -> str | None:
    """A consultation area of the taxonomy, or None."""
    return value if isinstance(value, str) and value in load_taxonomy().areas else None


def area_of(tracker: Tracker) -> str | None:
    return area_or_none(tracker.get_slot("area"))


def scalar_text(value: Any, max_chars: int = MAX_ENTITY_CHARS) -> str | None:
    """A short string or whole number as text; anything else (dict, list, bool, float) is None."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    text = str(value)
    return text if len(text) <= max_chars else None


def entity_text(tracker: Tracker, entity: str) -> str | None:
    """The first well-typed value of an entity in the latest message."""
    for value in tracker.get_latest_entity_values(entity):
        text = scalar_text(value)
        if text is not None:
            return text
    return None


def client_key(tracker: Tracker) -> str | None:
    """The API's keyed hash of the resident's address, when the API sent one."""
    metadata = tracker.latest_message.get("metadata")
    client = metadata.get("client") if isinstance(metadata, dict) else None
    return client if isinstance(client, str) and CLIENT_KEY.fullmatch(client) else None


def latest_text(tracker: Tracker) -> str:
    """The resident's latest message as typed (the tracker keeps their own words)."""
    return str(tracker.latest_message.get("text") or "")
