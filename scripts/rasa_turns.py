"""A resident's turn that reaches Rasa twice is processed once.

Behind HAProxy a Rasa server can die after saving a turn and before answering it; the balancer
then sends the same request to another server, which would process the message a second time
(the resident's question twice in the conversation, an action run twice). The API gives every
turn an id of its own in the message's metadata (`TURN_KEY`, api/rasa_client.py), which Rasa keeps
on the stored user event; a turn whose id the conversation already holds is answered with the
bot messages that followed it, and nothing is run or saved again. The check happens under the
conversation's lock, on the tracker Rasa fetches for the turn anyway.

Runs in the bot environment (Rasa 3.6); imports Rasa only when installed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

logger = logging.getLogger(__name__)

TURN_KEY = "turn"


class AlreadyAnswered(Exception):
    def __init__(self, replies: list[dict[str, Any]]) -> None:
        super().__init__("this turn is in the conversation already")
        self.replies = replies


def earlier_replies(events: Iterable[Any], turn: str) -> list[dict[str, Any]] | None:
    """The bot messages that answered the turn `turn`, or None when the conversation lacks it."""
    replies: list[dict[str, Any]] | None = None
    for event in events:
        kind = getattr(event, "type_name", None)
        if kind == "user":
            if replies is not None:  # the next turn began
                break
            if (getattr(event, "metadata", None) or {}).get(TURN_KEY) == turn:
                replies = []
        elif kind == "bot" and replies is not None:
            replies.append({"text": event.text, **(event.data or {})})
    return replies


def turn_of(message: Any) -> str | None:
    turn = (message.metadata or {}).get(TURN_KEY)
    return turn if isinstance(turn, str) and turn else None


def install() -> None:
    from rasa.core.channels.channel import CollectingOutputChannel
    from rasa.core.processor import MessageProcessor

    with_tracker = MessageProcessor._handle_message_with_tracker
    handle = MessageProcessor.handle_message

    async def refuse_a_repeat(self: Any, message: Any, tracker: Any) -> None:
        turn = turn_of(message)
        if turn is not None:
            replies = earlier_replies(tracker.events, turn)
            if replies is not None:
                raise AlreadyAnswered(replies)
        await with_tracker(self, message, tracker)

    async def handle_once(self: Any, message: Any) -> list[dict[str, Any]] | None:
        try:
            result: list[dict[str, Any]] | None = await handle(self, message)
            return result
        except AlreadyAnswered as answered:
            logger.warning("a turn reached this server again (a retry); answered from the conversation")
            for reply in answered.replies:
                await message.output_channel.send_response(message.sender_id, dict(reply))
            if isinstance(message.output_channel, CollectingOutputChannel):
                messages: list[dict[str, Any]] = message.output_channel.messages
                return messages
            return None

    MessageProcessor._handle_message_with_tracker = refuse_a_repeat
    MessageProcessor.handle_message = handle_once
