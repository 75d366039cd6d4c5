"""A member of staff takes over a live conversation, replies in it, and hands it back.

The conversation is paused in Rasa (it still records what the resident writes, but the
assistant stops answering); staff messages are added to the tracker as bot turns marked
`custom.takeover`, so the web chat shows them (it polls while a person is there) and the
console's transcript has them; on WeChat they also go out through the customer-service API,
to the resident the channel's recipients table names for the conversation.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from api.rasa_client import RasaClient
from api.resident_texts import resident_texts
from api.services.wechat_delivery import DeliveryError, WeChatDelivery

logger = logging.getLogger(__name__)

# ConversationIds.wechat: a keyed hash of the OpenID, so the push target is looked up, not derived.
WECHAT_PREFIX = "wechat-"
MAX_STAFF_MESSAGE_CHARS = 2000


class TakeoverRefused(Exception):
    """Nothing to say, or too long."""


def _bot_turn(text: str, marker: dict[str, str]) -> dict[str, Any]:
    return {"event": "bot", "text": text, "data": {"custom": {"takeover": marker}}, "timestamp": time.time()}


async def is_taken_over(rasa: RasaClient, conversation_id: str) -> bool:
    tracker = await rasa.tracker(conversation_id)
    return bool(tracker.get("paused"))


async def _to_wechat(delivery: WeChatDelivery | None, conversation_id: str, text: str) -> None:
    if not conversation_id.startswith(WECHAT_PREFIX) or delivery is None or not delivery.configured:
        return
    try:
        delivered = await delivery.send_to_conversation(conversation_id, [text])
    except DeliveryError:
        # Kept in the transcript either way; staff see the failure in the log, not the resident's id.
        logger.warning("a staff message could not be delivered on WeChat")
        return
    if not delivered:
        logger.warning("a staff message stays in the transcript: the WeChat resident wrote no message for 48 hours")


async def start(rasa: RasaClient, delivery: WeChatDelivery | None, *, conversation_id: str, staff_name: str) -> None:
    """Join the conversation; joining one staff have already taken over changes nothing."""
    if await is_taken_over(rasa, conversation_id):
        return
    text = resident_texts().takeover_joined.format(name=staff_name)
    await rasa.append_events(
        conversation_id, [{"event": "pause"}, _bot_turn(text, {"state": "started", "staff": staff_name})]
    )
    await _to_wechat(delivery, conversation_id, text)


async def say(
    rasa: RasaClient, delivery: WeChatDelivery | None, *, conversation_id: str, staff_name: str, text: str
) -> None:
    text = text.strip()
    if not text or len(text) > MAX_STAFF_MESSAGE_CHARS:
        raise TakeoverRefused
    await rasa.append_events(conversation_id, [_bot_turn(text, {"state": "message", "staff": staff_name})])
    await _to_wechat(delivery, conversation_id, text)


async def end(rasa: RasaClient, delivery: WeChatDelivery | None, *, conversation_id: str) -> None:
    """Hand the conversation back to the assistant (nothing happens if nobody had taken it over)."""
    if not await is_taken_over(rasa, conversation_id):
        return
    text = resident_texts().takeover_left
    await rasa.append_events(conversation_id, [_bot_turn(text, {"state": "ended"}), {"event": "resume"}])
    await _to_wechat(delivery, conversation_id, text)
