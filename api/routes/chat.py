"""Web chat endpoint with the same shape as Rasa's REST channel, plus the transcript."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from api import messages
from api.deps import RasaDep, SettingsDep
from api.rasa_client import DialogueUnavailable
from api.services.takeover import is_taken_over

router = APIRouter(tags=["chat"])

SENDER_PATTERN = r"^[A-Za-z0-9_.:-]{1,128}$"


class ChatRequest(BaseModel):
    """What Rasa's REST channel accepts: the conversation id and the resident's text."""

    sender: str = Field(pattern=SENDER_PATTERN, description="Conversation id, kept by the client (e.g. a UUID).")
    message: str = Field(default="", description="The resident's message, or a button payload such as /request_human.")


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


class TranscriptLine(BaseModel):
    sender: str  # "user" or "bot"
    text: str | None = None
    buttons: list[ChatButton] | None = None
    custom: dict[str, Any] | None = None
    timestamp: float | None = None


def clean_message(text: str) -> str:
    """Drop control characters (keep newlines), fold compatibility forms, trim."""
    text = unicodedata.normalize("NFC", text)
    return "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch) != "Cc").strip()


def _notice(sender: str, text: str) -> list[ChatMessage]:
    return [ChatMessage(recipient_id=sender, text=text)]


@router.post(
    "/webhooks/rest/webhook",
    response_model=list[ChatMessage],
    response_model_exclude_none=True,
    summary="Send a message (Rasa REST shape)",
)
@router.post("/api/chat", response_model=list[ChatMessage], response_model_exclude_none=True, summary="Send a message")
async def chat(request: ChatRequest, rasa: RasaDep, settings: SettingsDep) -> list[ChatMessage]:
    """Forward one resident message to the dialogue engine and return its replies.

    Empty and over-long messages are answered here with a Chinese explanation and never
    reach the engine. When the engine is down the answer is HTTP 503 with a Chinese
    `detail`, and the client keeps the unsent text so nothing is lost.
    """
    text = clean_message(request.message)
    if not text:
        return _notice(request.sender, messages.EMPTY_MESSAGE)
    if len(text) > settings.max_message_chars:
        return _notice(request.sender, messages.MESSAGE_TOO_LONG.format(limit=settings.max_message_chars))
    try:
        replies = await rasa.send(request.sender, text)
        if not replies and await is_taken_over(rasa, request.sender):
            notice = ChatMessage(
                recipient_id=request.sender,
                text=await _while_taken_over(rasa, text),
                custom={"takeover": {"state": "waiting"}},
            )
            return [notice]
    except DialogueUnavailable as error:
        raise HTTPException(status_code=503, detail=messages.DIALOGUE_UNAVAILABLE) from error
    return [ChatMessage.model_validate({"recipient_id": request.sender, **reply}) for reply in replies]


async def _while_taken_over(rasa: RasaDep, text: str) -> str:
    """Staff are in the conversation and the assistant is paused: say the message reached them,
    unless the resident may be in danger — then the emergency numbers, at once, as always."""
    intent = ((await rasa.parse(text)).get("intent") or {}).get("name")
    return messages.TAKEOVER_EMERGENCY if intent == "emergency" else messages.TAKEOVER_WAITING


@router.get("/api/conversations/{sender}/messages", response_model=list[TranscriptLine], summary="Conversation so far")
async def transcript(sender: str, rasa: RasaDep) -> list[TranscriptLine]:
    """The messages of a conversation, from Rasa's tracker store, so a reloaded page can show them."""
    if not re.fullmatch(SENDER_PATTERN, sender):
        raise HTTPException(status_code=422, detail=messages.BAD_SENDER)
    try:
        tracker = await rasa.tracker(sender)
    except DialogueUnavailable as error:
        raise HTTPException(status_code=503, detail=messages.DIALOGUE_UNAVAILABLE) from error
    lines: list[TranscriptLine] = []
    for event in tracker.get("events", []):
        if event.get("event") == "user":
            lines.append(TranscriptLine(sender="user", text=event.get("text"), timestamp=event.get("timestamp")))
        elif event.get("event") == "bot":
            data = event.get("data") or {}
            lines.append(
                TranscriptLine(
                    sender="bot",
                    text=event.get("text"),
                    buttons=data.get("buttons"),
                    custom=data.get("custom"),
                    timestamp=event.get("timestamp"),
                )
            )
    return lines
