"""WeChat official-account callbacks: GET for the console's URL check, POST for messages and events.

WeChat waits 5 seconds for an answer and then retries the callback. The bot gets
`wechat_passive_reply_seconds`: when it answers in time its reply goes back in the HTTP
response (a passive reply); otherwise the response is an immediate "success" and the reply
follows through the customer-service API once the bot is done. Each callback is taken on once,
whichever worker its retries reach: its key is unique in the database (api/channels/wechat_store.py).
A signed URL is used once (api/channels/wechat_replay.py). The resident is known to Rasa, the
database and the logs by a keyed hash of the OpenID; the OpenID itself stays in the recipients
table for pushes. wechatpy stays in api/channels/wechat.py.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Annotated

import httpx
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import PlainTextResponse, Response
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from api.channels import wechat_store
from api.channels.wechat import (
    Inbound,
    InboundKind,
    MalformedMessage,
    SignatureError,
    WeChatChannel,
    hide_url_secrets,
)
from api.channels.wechat_recipients import WeChatRecipients
from api.channels.wechat_replay import ReplayedCallback, remember_callback
from api.channels.wechat_replies import compose, pick_choice, split_text, with_choices
from api.channels.wechat_texts import wechat_texts
from api.deps import ConversationIdsDep, DeliveryDep, EngineDep, RasaDep, SettingsDep
from api.observability.metrics import observed_turn, record_empty_reply
from api.rasa_client import DialogueUnavailable, RasaClient
from api.routes.problems import refusals
from api.security.typed_text import screen
from api.services.takeover import is_taken_over
from api.services.wechat_delivery import DeliveryError, WeChatDelivery
from api.text import clean_message
from casebook.settings import Settings

router = APIRouter(prefix="/wechat", tags=["wechat"])
logger = logging.getLogger(__name__)

# A WeChat callback is a few kilobytes, even encrypted.
MAX_BODY_BYTES = 64 * 1024
# WeChat allows only a few customer-service messages per message a resident sends.
MAX_DELAYED_MESSAGES = 3


@dataclass(frozen=True)
class Callback:
    """A signed callback and whose conversation it belongs to."""

    inbound: Inbound
    conversation_id: str  # ConversationIds.wechat(openid): what Rasa, the database and logs see

    @property
    def key(self) -> str:
        return self.inbound.callback_key(self.conversation_id)


@dataclass(frozen=True)
class Answering:
    """What answering a callback works with: the channel, the bot, the database and the
    customer-service API for replies that come too late for the callback."""

    channel: WeChatChannel
    rasa: RasaClient
    settings: Settings
    engine: Engine
    delivery: WeChatDelivery


async def get_channel(settings: SettingsDep) -> WeChatChannel:
    token = settings.wechat_token.get_secret_value()
    if not token:
        raise HTTPException(status_code=503, detail=wechat_texts().channel_disabled)
    # Before this request's access-log line and any call to the WeChat API.
    hide_url_secrets()
    return WeChatChannel(
        token=token,
        app_id=settings.wechat_app_id,
        encoding_aes_key=settings.wechat_encoding_aes_key.get_secret_value(),
    )


ChannelDep = Annotated[WeChatChannel, Depends(get_channel)]


@router.get(
    "",
    # A plain-text 200 and JSON refusals: with PlainTextResponse here FastAPI would document the
    # refusals as text/plain too.
    response_class=Response,
    summary="URL check by the WeChat console",
    responses=refusals(
        403,
        422,
        429,
        503,
        besides={200: {"description": "`echostr`, echoed", "content": {"text/plain": {"schema": {"type": "string"}}}}},
    ),
)
async def verify(
    channel: ChannelDep, signature: str = "", timestamp: str = "", nonce: str = "", echostr: str = ""
) -> PlainTextResponse:
    try:
        echo = channel.verify_url(signature=signature, timestamp=timestamp, nonce=nonce, echostr=echostr)
    except SignatureError as error:
        logger.warning("WeChat URL check refused: %s", error)
        raise HTTPException(status_code=403, detail=wechat_texts().forbidden) from error
    return PlainTextResponse(echo)


@router.post(
    "",
    response_class=Response,
    summary="Messages and events from WeChat",
    responses=refusals(
        400,
        403,
        413,
        422,
        429,
        503,
        besides={
            200: {
                "description": "A passive reply (XML), or `success` when the reply follows later or none is due",
                "content": {
                    "application/xml": {"schema": {"type": "string"}},
                    "text/plain": {"schema": {"type": "string"}},
                },
            }
        },
    ),
)
async def receive(
    request: Request,
    channel: ChannelDep,
    rasa: RasaDep,
    settings: SettingsDep,
    engine: EngineDep,
    delivery: DeliveryDep,
    ids: ConversationIdsDep,
    signature: str = "",
    timestamp: str = "",
    nonce: str = "",
    encrypt_type: str = "",
    msg_signature: str = "",
) -> Response:
    texts = wechat_texts()
    try:
        # Checked before the body is even read: forged callbacks cost nothing.
        channel.check_signature(signature=signature, timestamp=timestamp, nonce=nonce)
        body = await _read_body(request)
        inbound = channel.read(
            body, timestamp=timestamp, nonce=nonce, encrypt_type=encrypt_type, msg_signature=msg_signature
        )
        # After the body's own signature (encrypted mode): only WeChat's bodies claim a URL.
        await run_in_threadpool(remember_callback, engine, timestamp=int(timestamp), nonce=nonce, body=body)
    except (SignatureError, ReplayedCallback) as error:
        logger.warning("WeChat callback refused: %s", error)
        raise HTTPException(status_code=403, detail=texts.forbidden) from error
    except MalformedMessage as error:
        logger.warning("unreadable WeChat callback: %s", error)
        raise HTTPException(status_code=400, detail=texts.bad_request) from error
    callback = Callback(inbound, ids.wechat(inbound.openid))
    claimed, earlier_reply = await run_in_threadpool(wechat_store.claim, engine, callback.key)
    if not claimed:
        logger.info("WeChat retried a callback of %s: answered once already", callback.conversation_id)
        return _passive_xml(channel, inbound, earlier_reply) if earlier_reply else _success()
    return await _answer(callback, Answering(channel, rasa, settings, engine, delivery))


async def _answer(callback: Callback, answering: Answering) -> Response:
    texts = wechat_texts()
    channel, rasa, engine = answering.channel, answering.rasa, answering.engine
    inbound, conversation = callback.inbound, callback.conversation_id
    recipients = WeChatRecipients(engine)
    if inbound.kind is InboundKind.unsubscribe:
        await run_in_threadpool(wechat_store.save_choices, engine, conversation, [])
        await run_in_threadpool(recipients.forget, conversation)
        return _success()
    if inbound.kind is InboundKind.event:
        return _success()
    await run_in_threadpool(recipients.remember, conversation, inbound.openid)
    if inbound.kind is InboundKind.subscribe:
        return await _welcome(engine, channel, callback)
    if inbound.kind is InboundKind.unsupported:
        return await _passive(engine, channel, callback, texts.unsupported_reply(inbound.media))
    if inbound.kind is InboundKind.menu:
        payload = texts.menu_payload(inbound.text.strip())
        if payload is None:
            logger.warning("a WeChat menu key that is none of the welcome's services: check the account's menu")
            return await _welcome(engine, channel, callback)
        return await _turn(callback, payload, answering)

    message = clean_message(inbound.text)
    max_chars = answering.settings.max_message_chars
    if len(message) > max_chars:
        return await _passive(engine, channel, callback, texts.message_too_long.format(limit=max_chars))
    try:
        message = await _typed(rasa, engine, conversation, message) if message else ""
    except (DialogueUnavailable, httpx.HTTPError):
        return await _passive(engine, channel, callback, texts.dialogue_unavailable)
    if not message:
        return await _passive(engine, channel, callback, texts.empty_message)
    return await _turn(callback, message, answering)


async def _typed(rasa: RasaClient, engine: Engine, conversation: str, text: str) -> str:
    """What Rasa gets for typed text: the payload of a choice offered to this resident, else words.

    A typed `/restart` or `/greet{...}` is not a button: api.security.typed_text passes it on
    without its slashes (empty when there was nothing else).
    """
    picked = pick_choice(text, await run_in_threadpool(wechat_store.load_choices, engine, conversation))
    if picked is not None:
        return picked
    return await screen(rasa, conversation, text)


async def _welcome(engine: Engine, channel: WeChatChannel, callback: Callback) -> Response:
    texts = wechat_texts()
    await run_in_threadpool(wechat_store.save_choices, engine, callback.conversation_id, texts.welcome_choices)
    return await _passive(engine, channel, callback, with_choices(texts.welcome, texts.welcome_choices, texts))


async def _turn(callback: Callback, message: str, answering: Answering) -> Response:
    """Ask the bot; answer passively if it is quick enough, else later by the customer-service API."""
    texts = wechat_texts()
    channel, engine, delivery = answering.channel, answering.engine, answering.delivery
    turn = asyncio.create_task(_bot_turn(answering.rasa, engine, callback.conversation_id, message))
    done, _pending = await asyncio.wait({turn}, timeout=answering.settings.wechat_passive_reply_seconds)
    if turn in done:
        parts = split_text(turn.result())
        if not parts:
            return _success()
        if len(parts) == 1 or not delivery.configured:
            return await _passive(engine, channel, callback, parts[0])
    elif not delivery.configured:
        # No way to send the answer later: say so now, and let the turn finish so the
        # conversation and its choices stay consistent.
        logger.warning("bot too slow for a passive WeChat reply and no customer-service API is configured")
        return await _passive(engine, channel, callback, texts.too_slow, background=BackgroundTask(_finish, turn))
    return _success(background=BackgroundTask(_deliver_later, turn, delivery, callback))


async def _bot_turn(rasa: RasaClient, engine: Engine, conversation: str, message: str) -> str:
    """One turn with the bot; returns the WeChat text and remembers the choices it offered."""
    texts = wechat_texts()
    try:
        with observed_turn("wechat", conversation):
            replies = await rasa.send(conversation, message)
    except DialogueUnavailable:
        return texts.dialogue_unavailable
    except Exception:  # whatever went wrong, the resident gets an answer, not silence
        logger.exception("bot turn failed for WeChat conversation %s", conversation)
        return texts.dialogue_unavailable
    if not replies and not await is_taken_over(rasa, conversation):
        logger.warning("the dialogue engine answered nothing in a WeChat conversation")
        record_empty_reply()
        return texts.no_reply  # an action failed (or its server is down): never silence
    reply = compose(replies, texts)
    try:
        await run_in_threadpool(wechat_store.save_choices, engine, conversation, reply.choices)
    except SQLAlchemyError:  # numbered choices are a convenience: the answer still goes out
        logger.exception("could not remember the choices offered in WeChat conversation %s", conversation)
    return reply.text


async def _finish(turn: asyncio.Task[str]) -> None:
    await turn


async def _deliver_later(turn: asyncio.Task[str], delivery: WeChatDelivery, callback: Callback) -> None:
    parts = split_text(await turn)
    if len(parts) > MAX_DELAYED_MESSAGES:
        logger.warning("WeChat reply cut to %s messages of %s", MAX_DELAYED_MESSAGES, len(parts))
    if not parts:
        return
    try:
        await delivery.send_texts(callback.inbound.openid, parts[:MAX_DELAYED_MESSAGES])
    except DeliveryError as error:
        logger.warning("could not deliver a delayed WeChat reply in %s: %s", callback.conversation_id, error)


async def _passive(
    engine: Engine, channel: WeChatChannel, callback: Callback, text: str, background: BackgroundTask | None = None
) -> Response:
    await run_in_threadpool(wechat_store.remember_reply, engine, callback.key, text)
    return _passive_xml(channel, callback.inbound, text, background)


def _passive_xml(
    channel: WeChatChannel, inbound: Inbound, text: str, background: BackgroundTask | None = None
) -> Response:
    return Response(channel.render_text(inbound, text), media_type="application/xml", background=background)


def _success(background: BackgroundTask | None = None) -> Response:
    # "Received, no reply now": WeChat neither retries nor tells the resident the account failed.
    return PlainTextResponse("success", background=background)


async def _read_body(request: Request) -> bytes:
    too_large = HTTPException(status_code=413, detail=wechat_texts().too_large)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise too_large
    return bytes(body)
