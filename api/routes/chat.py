"""Web chat endpoint with the same shape as Rasa's REST channel.

The client sends the token its page holds (`web-<UUIDv4>`, `kiosk-<UUIDv4>`); Rasa gets the
conversation id derived from it (api/security/conversation_ids.py) and only the text typed
text may be (api/security/typed_text.py).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from api.deps import ClientAddressDep, ConversationIdsDep, LimiterDep, RasaDep, SettingsDep
from api.observability.metrics import channel_of, observed_turn, record_empty_reply
from api.rasa_client import DialogueUnavailable
from api.resident_texts import resident_texts
from api.routes.problems import refusals
from api.security.conversation_ids import CLIENT_TOKEN
from api.security.typed_text import screen
from api.services.takeover import is_taken_over
from api.text import clean_message

logger = logging.getLogger(__name__)
router = APIRouter(tags=["chat"])

SENDER_PATTERN = CLIENT_TOKEN.pattern
CHAT_REFUSALS = refusals(413, 422, 429, 503)


class ChatRequest(BaseModel):
    """What Rasa's REST channel accepts: the conversation's token and the resident's text."""

    sender: str = Field(
        pattern=f"^{SENDER_PATTERN}$",
        description="The page's conversation token: 'web-' or 'kiosk-' and a random UUIDv4, kept by the client.",
    )
    message: str = Field(default="", description="The resident's message, or the payload of a button it was shown.")


class ChatButton(BaseModel):
    title: str
    payload: str


class ChatMessage(BaseModel):
    """One bot message, as Rasa's REST channel returns it."""

    model_config = ConfigDict(extra="allow")

    recipient_id: str
    text: str | None = None
    buttons: list[ChatButton] | None = None
    image: str | None = None
    custom: dict[str, Any] | None = None


def _notice(sender: str, text: str) -> list[ChatMessage]:
    return [ChatMessage(recipient_id=sender, text=text)]


@router.post(
    "/webhooks/rest/webhook",
    response_model=list[ChatMessage],
    response_model_exclude_none=True,
    summary="Send a message (Rasa REST shape)",
    responses=CHAT_REFUSALS,
)
@router.post(
    "/api/chat",
    response_model=list[ChatMessage],
    response_model_exclude_none=True,
    summary="Send a message",
    responses=CHAT_REFUSALS,
)
async def chat(
    body: ChatRequest,
    rasa: RasaDep,
    ids: ConversationIdsDep,
    limiter: LimiterDep,
    address: ClientAddressDep,
    settings: SettingsDep,
) -> list[ChatMessage]:
    """Forward one resident message to the dialogue engine and return its replies.

    Empty and over-long messages are answered here with a Chinese explanation and never
    reach the engine; the length is checked before any work on the text. When the engine is
    down the answer is HTTP 503 with a Chinese `detail`, and the client keeps the unsent text.
    """
    conversation_id = ids.resident(body.sender)
    if conversation_id is None:  # the pattern above admits only strong tokens; kept for clarity
        raise HTTPException(status_code=422, detail=resident_texts().bad_sender)
    # Per client is checked at the edge; one conversation gets a person's pace.
    await limiter.enforce(conversation_id, limiter.rules.per_conversation.chat)
    if len(body.message) > settings.max_message_chars:
        return _notice(body.sender, resident_texts().message_too_long.format(limit=settings.max_message_chars))
    text = clean_message(body.message)
    try:
        text = await screen(rasa, conversation_id, text) if text else ""
        if not text:
            return _notice(body.sender, resident_texts().empty_message)
        with observed_turn(channel_of(body.sender), conversation_id):
            replies = await rasa.send(conversation_id, text, metadata={"client": ids.client(address)})
        if not replies and await is_taken_over(rasa, conversation_id):
            notice = ChatMessage(
                recipient_id=body.sender,
                text=await _while_taken_over(rasa, text),
                custom={"takeover": {"state": "waiting"}},
            )
            return [notice]
        if not replies:  # the turn ran but said nothing: an action failed (or its server is down)
            logger.warning("the dialogue engine answered nothing in a conversation")
            record_empty_reply()
            return _notice(body.sender, resident_texts().no_reply)
    except DialogueUnavailable as error:
        raise HTTPException(status_code=503, detail=resident_texts().dialogue_unavailable) from error
    return [ChatMessage.model_validate({**reply, "recipient_id": body.sender}) for reply in replies]


async def _while_taken_over(rasa: RasaDep, text: str) -> str:
    """Staff are in the conversation and the assistant is paused: say the message reached them,
    unless the resident may be in danger — then the emergency numbers, at once, as always."""
    intent = ((await rasa.parse(text)).get("intent") or {}).get("name")
    return resident_texts().takeover_emergency if intent == "emergency" else resident_texts().takeover_waiting
