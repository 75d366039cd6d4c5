"""Sending a knowledge-layer Reply through the Rasa dispatcher."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from knowledge.answering import Reply


def utter_reply(dispatcher: CollectingDispatcher, reply: Reply) -> None:
    dispatcher.utter_message(
        text=reply.text,
        buttons=[button.model_dump() for button in reply.buttons],
        json_message=reply.custom() if reply.citations else None,
    )
