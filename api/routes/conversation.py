"""A resident's own conversation record: read it back on a reloaded page, or forget it.

The page proves it holds the conversation by sending its token in the `X-Conversation`
header — never in the URL, so the token stays out of access logs and browser history.
Nobody else can name the conversation: the id staff and Rasa see is a keyed hash of it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from api.deps import ConversationIdsDep, LimiterDep, RasaDep
from api.privacy.forget import forget_conversation
from api.rasa_client import DialogueUnavailable
from api.resident_texts import resident_texts
from api.routes.chat import ChatButton
from api.routes.problems import refusals

router = APIRouter(tags=["chat"])

NO_STORE = {"Cache-Control": "no-store"}
TokenHeader = Annotated[str, Header(alias="X-Conversation", max_length=64)]


class TranscriptLine(BaseModel):
    sender: str  # "user" or "bot"
    text: str | None = None
    buttons: list[ChatButton] | None = None
    custom: dict[str, Any] | None = None
    timestamp: float | None = None


def _conversation(ids: ConversationIdsDep, token: str) -> str:
    conversation_id = ids.resident(token)
    if conversation_id is None:
        raise HTTPException(status_code=422, detail=resident_texts().bad_sender)
    return conversation_id


@router.get(
    "/api/conversation/messages",
    response_model=list[TranscriptLine],
    summary="Conversation so far",
    responses=refusals(422, 429, 503),
)
async def transcript(
    token: TokenHeader, ids: ConversationIdsDep, rasa: RasaDep, limiter: LimiterDep, response: Response
) -> list[TranscriptLine]:
    """The messages of the caller's conversation, so a reloaded page can show them."""
    response.headers.update(NO_STORE)
    conversation_id = _conversation(ids, token)
    await limiter.enforce(conversation_id, limiter.rules.per_conversation.transcript)
    try:
        tracker = await rasa.tracker(conversation_id)
    except DialogueUnavailable as error:
        raise HTTPException(status_code=503, detail=resident_texts().dialogue_unavailable) from error
    return [line for event in tracker.get("events", []) if (line := _line(event)) is not None]


@router.delete(
    "/api/conversation",
    status_code=204,
    summary="Forget the conversation (清除对话记录)",
    responses=refusals(422, 429, 503),  # 503: the database unreachable (api/database_errors.py)
)
async def forget(token: TokenHeader, ids: ConversationIdsDep, request: Request) -> Response:
    """The resident's request to delete their conversation (PIPL art. 47): its messages, questions
    and ratings go; cases it led to keep only what the office's records need (docs/privacy.md)."""
    await run_in_threadpool(forget_conversation, request.app.state.engine, _conversation(ids, token))
    return Response(status_code=204, headers=NO_STORE)


def _line(event: dict[str, Any]) -> TranscriptLine | None:
    if event.get("event") == "user":
        return TranscriptLine(sender="user", text=event.get("text"), timestamp=event.get("timestamp"))
    if event.get("event") == "bot":
        data = event.get("data") or {}
        return TranscriptLine(
            sender="bot",
            text=event.get("text"),
            buttons=data.get("buttons"),
            custom=data.get("custom"),
            timestamp=event.get("timestamp"),
        )
    return None
