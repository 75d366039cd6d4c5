"""Typed text is text: only the assistant's own buttons reach Rasa as intents.

Rasa reads any message that starts with `/` as `/intent{entities}` at full confidence — its
own `/restart` included, which ends a staff takeover and hides the history. So a message in
which a slash comes before any letter or digit Rasa's normalizer keeps (after NFKC, which turns
`／` into `/`) passes only when it is exactly the payload of a button the assistant offered in
this conversation or on its pages; anything else goes on as the words after the slashes.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Protocol

# The buttons the web and kiosk pages show themselves (api/static/chat.js, kiosk.html).
PAGE_PAYLOADS = frozenset(
    {
        "/greet",
        "/request_human",
        "/start_consultation",
        "/request_mediation",
        "/request_legal_aid",
        "/request_notarization",
        "/request_lawyer",
    }
)
# Rasa's own intents act on the whole conversation; no resident may send them.
RESERVED_INTENTS = frozenset({"restart", "back", "session_start", "nlu_fallback"})
# What Rasa's normalizer (bot/components/normalizer.py) deletes as emoji: digits such as ➀ among
# them. Pinned to the normalizer's own pattern by tests/unit/api/test_typed_text.py.
NORMALIZER_DROPS = re.compile(
    "[\U0001f000-\U0001faff\U00002600-\U000027bf\U0000fe00-\U0000fe0f\U0000200d\U000020e3\U0001f1e6-\U0001f1ff]"
)


class TrackerSource(Protocol):
    async def tracker(self, sender: str, *, include_events: str | None = None) -> dict[str, Any]: ...


def _lead_trimmed(text: str) -> str:
    """The text from its first slash, letter or digit that Rasa's normalizer keeps. Everything
    before it is skipped, whether or not the normalizer would drop it: a symbol kept in front of a
    slash only means the words lose that slash too, while one dropped would let a command through."""
    for index, char in enumerate(text):
        if char == "/" or (char.isalnum() and not NORMALIZER_DROPS.match(char)):
            return text[index:]
    return ""


def folded_start(text: str) -> str:
    return _lead_trimmed(unicodedata.normalize("NFKC", text))


def is_command(text: str) -> bool:
    """Whether Rasa would take this text for `/intent…`."""
    return folded_start(text).startswith("/")


def intent_of(payload: str) -> str:
    return payload[1:].split("{", 1)[0].split("@", 1)[0].strip()


def as_words(text: str) -> str:
    """A command-looking text as plain words: the slashes in front go."""
    folded = folded_start(text)
    while folded.startswith("/"):
        folded = _lead_trimmed(folded[1:])
    return folded.strip()


def offered_payloads(tracker: dict[str, Any]) -> set[str]:
    """Payloads of every button the assistant showed in this conversation (since its last restart)."""
    payloads: set[str] = set()
    for event in tracker.get("events") or []:
        if event.get("event") != "bot":
            continue
        for button in (event.get("data") or {}).get("buttons") or []:
            if isinstance(button, dict) and isinstance(button.get("payload"), str):
                payloads.add(button["payload"])
    return payloads


async def screen(rasa: TrackerSource, conversation_id: str, text: str) -> str:
    """What Rasa may receive for this typed text (empty when nothing but slashes was typed)."""
    if not is_command(text):
        return text
    payload = text.strip()
    if payload in PAGE_PAYLOADS:
        return payload
    # Only an exact payload can be a button press: look at what this conversation was offered.
    offered = (
        payload.startswith("/")
        and intent_of(payload) not in RESERVED_INTENTS
        and payload in offered_payloads(await rasa.tracker(conversation_id))
    )
    if offered:
        return payload
    return as_words(text)
