"""WeChat official-account (微信公众号) adapter: everything wechatpy-specific lives here.

The route hands it a raw callback. It checks signatures (in constant time, and only fresh
ones), decrypts encrypted ("safe") mode, parses the XML into an `Inbound`, and renders text
replies, encrypted when the callback was. Every XML document is first read by defusedxml with
DTDs forbidden, so entity expansion (billion laughs) and external entities are refused before
wechatpy's own parser (xmltodict on expat) sees it. What the channel says is in
wechat_texts.py, the bot's replies turned into WeChat text in wechat_replies.py.
"""

from __future__ import annotations

import binascii
import hmac
import logging
import re
import secrets
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from xml.etree.ElementTree import Element, ParseError
from xml.parsers.expat import ExpatError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.events import BaseEvent
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.messages import TextMessage, VoiceMessage
from wechatpy.replies import TextReply
from wechatpy.utils import WeChatSigner

# A signed URL replayed later than this is refused (plain mode does not sign the body).
MAX_CLOCK_SKEW_SECONDS = 600
_OPENID = re.compile(r"[A-Za-z0-9_-]{6,64}")
_ACCOUNT = re.compile(r"[A-Za-z0-9_-]{1,64}")
# Characters XML 1.0 cannot carry at all, even in CDATA.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class SignatureError(Exception):
    """Missing, forged or stale signature, or a plain callback in encrypted mode: HTTP 403."""


class MalformedMessage(Exception):
    """Not a WeChat callback this adapter can read: HTTP 400."""


class InboundKind(StrEnum):
    text = "text"  # a question, or a voice message WeChat has turned into text
    menu = "menu"  # a custom-menu click: its key goes to the bot as a payload
    subscribe = "subscribe"
    unsubscribe = "unsubscribe"
    event = "event"  # any other event: nothing to answer
    unsupported = "unsupported"  # pictures, places, links, voice without recognition...


@dataclass(frozen=True)
class Inbound:
    """One WeChat callback, reduced to what the assistant needs."""

    kind: InboundKind
    # Personal data: it goes only to the recipients table and WeChat's API. Rasa, the database
    # and logs know the resident by the conversation id (ConversationIds.wechat).
    openid: str
    account: str  # the official account's own id (ToUserName), the reply's sender
    text: str = ""
    media: str = ""  # the MsgType of an unsupported message
    encrypted: bool = False
    msg_id: str = ""  # empty for events
    created: str = ""  # CreateTime
    event: str = ""

    def callback_key(self, conversation_id: str) -> str:
        """The same for every retry of this callback, and never the same for two residents.

        WeChat's advice: deduplicate messages by MsgId, events by sender and CreateTime. The
        conversation id is in both, so nobody can pre-empt another resident's MsgId.
        """
        if self.msg_id:
            return f"msg:{self.account}:{conversation_id}:{self.msg_id}"[:200]
        return f"event:{self.account}:{conversation_id}:{self.created}:{self.event or self.media}"[:200]


class HideUrlSecrets(logging.Filter):
    """Mask the signature parameters and OpenID of callback URLs and the access token of API URLs.

    They end up in request logs as they are: uvicorn's access log ("POST /wechat?signature=...
    &timestamp=...&nonce=...&openid=...") and httpx's ("HTTP Request: POST .../custom/send?
    access_token=..."). A logged signature with its timestamp and nonce is a usable callback URL.
    """

    _SECRET = re.compile(r"\b(msg_signature|signature|nonce|timestamp|echostr|openid|access_token)=[^&\s\"']+")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(self._mask(arg) for arg in record.args)
        if isinstance(record.msg, str):
            record.msg = self._SECRET.sub(r"\1=***", record.msg)
        return True

    def _mask(self, arg: object) -> object:
        # httpx passes its URL object: anything with "=" in its text may hide a secret.
        text = str(arg) if not isinstance(arg, int | float) else ""
        return self._SECRET.sub(r"\1=***", text) if "=" in text else arg


def hide_url_secrets(loggers: tuple[str, ...] = ("uvicorn.access", "httpx")) -> None:
    """Install `HideUrlSecrets` on the request loggers, once."""
    for name in loggers:
        logger = logging.getLogger(name)
        if not any(isinstance(f, HideUrlSecrets) for f in logger.filters):
            logger.addFilter(HideUrlSecrets())


class WeChatChannel:
    """Callbacks in and replies out for one official account."""

    def __init__(
        self, *, token: str, app_id: str = "", encoding_aes_key: str = "", clock: Callable[[], float] = time.time
    ):
        if not token:
            raise ValueError("a WeChat token is required")
        self._token = token
        self._crypto = WeChatCrypto(token, encoding_aes_key, app_id) if encoding_aes_key else None
        self._clock = clock

    @property
    def encrypted(self) -> bool:
        return self._crypto is not None

    def check_signature(self, *, signature: str, timestamp: str, nonce: str) -> None:
        """The `signature` query parameter every callback carries. Raises SignatureError."""
        self._check(signature, timestamp, nonce)

    def verify_url(self, *, signature: str, timestamp: str, nonce: str, echostr: str) -> str:
        """The console's URL check (GET): echo `echostr` back when the signature is right."""
        self._check(signature, timestamp, nonce)
        return echostr

    def read(self, body: bytes, *, timestamp: str, nonce: str, encrypt_type: str, msg_signature: str) -> Inbound:
        """Decrypt and parse a POSTed callback whose `signature` was checked already.

        Raises SignatureError or MalformedMessage.
        """
        outer = _safe_xml(body)
        encrypted = encrypt_type.lower() == "aes"
        if self._crypto is None:
            if encrypted:
                raise MalformedMessage("encrypted callback, but no WECHAT_ENCODING_AES_KEY is set")
            return _parse(body, encrypted=False)
        if not encrypted:
            # In encrypted mode the body is authenticated only through msg_signature.
            raise SignatureError("plain callback in encrypted mode")
        encrypt = outer.findtext("Encrypt")
        if not encrypt:
            raise MalformedMessage("no Encrypt element")
        self._check(msg_signature, timestamp, nonce, encrypt)
        try:
            inner = self._crypto.decrypt_message({"Encrypt": encrypt}, msg_signature, timestamp, nonce)
        except (InvalidSignatureException, InvalidAppIdException) as error:
            raise SignatureError("encrypted for another account") from error
        except (ValueError, TypeError, IndexError, struct.error, binascii.Error) as error:
            raise MalformedMessage("cannot decrypt") from error
        inner_bytes = str(inner).encode("utf-8")
        _safe_xml(inner_bytes)
        return _parse(inner_bytes, encrypted=True)

    def render_text(self, inbound: Inbound, text: str) -> str:
        """A passive text reply to `inbound`, encrypted if the callback was."""
        reply = TextReply(source=inbound.account, target=inbound.openid, content=_cdata_safe(text))
        xml: str = reply.render()
        if inbound.encrypted and self._crypto is not None:
            encrypted: str = self._crypto.encrypt_message(xml, secrets.token_hex(8), str(int(self._clock())))
            return encrypted
        return xml

    def _check(self, signature: str, timestamp: str, nonce: str, *signed: str) -> None:
        if not (signature and timestamp and nonce):
            raise SignatureError("missing signature")
        if len(timestamp) > 20 or len(nonce) > 64:  # WeChat's are ten digits; bounds the replay cache
            raise SignatureError("over-long timestamp or nonce")
        try:
            sent_at = int(timestamp)
        except ValueError as error:
            raise SignatureError("bad timestamp") from error
        if abs(self._clock() - sent_at) > MAX_CLOCK_SKEW_SECONDS:
            raise SignatureError("stale timestamp")
        signer = WeChatSigner()
        signer.add_data(self._token, timestamp, nonce, *signed)
        expected: str = signer.signature
        if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
            raise SignatureError("forged signature")


def _safe_xml(body: bytes) -> Element:
    """Parse with defusedxml, refusing any DTD: WeChat never sends one, attacks need one."""
    try:
        root: Element = fromstring(body, forbid_dtd=True)
    except (DefusedXmlException, ParseError, ValueError) as error:
        raise MalformedMessage(type(error).__name__) from error
    if root.tag != "xml":
        raise MalformedMessage("root element is not <xml>")
    return root


def _string(value: Any) -> str:
    # xmltodict turns a nested element into a dict: a field must be plain text.
    if value is None:
        return ""
    if not isinstance(value, str):
        raise MalformedMessage("expected text")
    return value


def _parse(xml: bytes, *, encrypted: bool) -> Inbound:
    try:
        message = parse_message(xml.decode("utf-8"))
        if message is None:
            raise MalformedMessage("empty body")
        openid, account = _string(message.source), _string(message.target)
        msg_id, created = message.id, message.time
        event = _string(getattr(message, "event", ""))[:40]
        kind, text, media = _classify(message)
    except (KeyError, AttributeError, TypeError, ValueError, ExpatError) as error:
        raise MalformedMessage(type(error).__name__) from error
    if not _OPENID.fullmatch(openid) or not _ACCOUNT.fullmatch(account):
        raise MalformedMessage("bad FromUserName or ToUserName")
    return Inbound(
        kind,
        openid,
        account,
        text=text,
        media=media,
        encrypted=encrypted,
        msg_id=str(msg_id or "")[:40],
        created=str(created or "")[:20],
        event=event,
    )


def _classify(message: Any) -> tuple[InboundKind, str, str]:
    if isinstance(message, TextMessage):
        return InboundKind.text, _string(message.content), ""
    if isinstance(message, VoiceMessage) and _string(message.recognition).strip():
        return InboundKind.text, _string(message.recognition), ""
    if isinstance(message, BaseEvent):
        event = _string(message.event)
        if event.startswith("subscribe"):  # also subscribing by scanning a QR code
            return InboundKind.subscribe, "", ""
        if event == "unsubscribe":
            return InboundKind.unsubscribe, "", ""
        if event == "click":
            return InboundKind.menu, _string(message.key), ""
        return InboundKind.event, "", ""
    return InboundKind.unsupported, "", _string(message.type)


def _cdata_safe(text: str) -> str:
    # wechatpy writes text into CDATA as is: "]]>" would end it early.
    return _XML_ILLEGAL.sub("", text).replace("]]>", "]]]]><![CDATA[>")
