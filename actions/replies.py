"""Replies through the Rasa dispatcher: a knowledge-layer Reply, and choices as buttons."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from rasa_sdk.executor import CollectingDispatcher

from knowledge.answering import Reply


def utter_reply(dispatcher: CollectingDispatcher, reply: Reply) -> None:
    dispatcher.utter_message(
        text=reply.text,
        buttons=[button.model_dump() for button in reply.buttons],
        json_message=reply.custom() if reply.citations else None,
    )


class Titled(Protocol):
    @property
    def title(self) -> str: ...


def title_buttons(choices: Iterable[Titled]) -> list[dict[str, str]]:
    """Buttons that answer with their own title, the same words a resident could type instead."""
    return [{"title": choice.title, "payload": choice.title} for choice in choices]
