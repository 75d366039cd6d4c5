"""Acting as the WeChat server in the channel's tests.

Requests are signed (and encrypted) with wechatpy's own crypto; the bot is a stand-in behind
the RasaClient dependency; the WeChat API is a local fake (httpx MockTransport) behind the
WECHAT_API_BASE_URL setting.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from pathlib import Path
from string import Template
from typing import Any

import httpx
import xmltodict
from fastapi import FastAPI
from fastapi.testclient import TestClient
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

from api.channels.wechat_recipients import WeChatRecipients
from api.channels.wechat_texts import wechat_texts
from api.deps import get_delivery, get_rasa
from api.main import create_app
from api.rasa_client import DialogueUnavailable
from api.security.conversation_ids import ConversationIds
from api.services.wechat_delivery import WeChatDelivery
from casebook.settings import Settings

SAMPLES = Path(__file__).parent / "samples"
TOKEN = "fawuTestToken2024"
APP_ID = "wx00000000example1"
APP_SECRET = "example-app-secret-0000"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
OPENID = "oEXAMPLE0penid_Resident-0001"
ACCOUNT = "gh_0123456789ab"
API_BASE = "http://wechat-api.test"
SECRET = "conversation-secret-for-the-wechat-tests"
# The conversation id Rasa, the database and the logs know the resident by.
CONVERSATION = ConversationIds(SECRET.encode()).wechat(OPENID)
TEXTS = wechat_texts()


class FakeRasa:
    """Answers like Rasa's REST channel, optionally slowly, and records what it was sent.

    Its tracker holds the buttons it offered, which is what typed text is checked against."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.replies: list[dict[str, Any]] = [{"recipient_id": "x", "text": "您好，这是答复。"}]
        self.offered: dict[str, list[dict[str, Any]]] = {}
        self.delay = 0.0
        self.down = False

    async def send(self, sender: str, message: str, *, metadata: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        self.calls.append((sender, message))
        await asyncio.sleep(self.delay)
        if self.down:
            raise DialogueUnavailable
        for reply in self.replies:
            if reply.get("buttons"):
                self.offered.setdefault(sender, []).append({"event": "bot", "data": {"buttons": reply["buttons"]}})
        return self.replies

    async def tracker(self, sender: str, *, include_events: str | None = None) -> dict[str, Any]:
        if self.down:
            raise DialogueUnavailable
        return {"sender_id": sender, "events": list(self.offered.get(sender, []))}

    @property
    def messages(self) -> list[str]:
        return [message for _sender, message in self.calls]


class FakeWeChatApi:
    """The two WeChat API endpoints the channel uses, recording every request."""

    def __init__(self) -> None:
        self.token_requests: list[httpx.Request] = []
        self.sent: list[dict[str, Any]] = []
        self.sent_urls: list[httpx.URL] = []
        self.token = "ACCESS_TOKEN_1"
        self.reject_next_send_with: int | None = None

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/cgi-bin/stable_token":
            self.token_requests.append(request)
            return httpx.Response(200, json={"access_token": self.token, "expires_in": 7200})
        if request.url.path == "/cgi-bin/message/custom/send":
            if self.reject_next_send_with is not None:
                errcode, self.reject_next_send_with = self.reject_next_send_with, None
                return httpx.Response(200, json={"errcode": errcode, "errmsg": "access_token expired"})
            if request.url.params.get("access_token") != self.token:
                return httpx.Response(200, json={"errcode": 40014, "errmsg": "invalid access_token"})
            self.sent.append(json.loads(request.content))
            self.sent_urls.append(request.url)
            return httpx.Response(200, json={"errcode": 0, "errmsg": "ok"})
        return httpx.Response(404)

    def delivery(self, settings: Settings, recipients: WeChatRecipients | None = None) -> WeChatDelivery:
        return WeChatDelivery(
            app_id=settings.wechat_app_id,
            app_secret=settings.wechat_app_secret.get_secret_value(),
            base_url=settings.wechat_api_base_url,
            transport=httpx.MockTransport(self.handle),
            recipients=recipients,
        )


def sample(name: str, content: str = "", msg_id: int = 1000000000000001, openid: str = OPENID) -> str:
    template = Template((SAMPLES / f"{name}.xml").read_text(encoding="utf-8"))
    return template.substitute(openid=openid, create_time=int(time.time()), msg_id=msg_id, content=content)


def signed_query(token: str = TOKEN, timestamp: str | None = None, nonce: str | None = None) -> dict[str, str]:
    """A callback URL as WeChat signs it: every callback gets its own nonce."""
    timestamp = timestamp or str(int(time.time()))
    nonce = nonce or str(secrets.randbelow(10**10))
    signer = WeChatSigner()
    signer.add_data(token, timestamp, nonce)
    return {"signature": signer.signature, "timestamp": timestamp, "nonce": nonce, "openid": OPENID}


def post(client: TestClient, xml: str | bytes, query: dict[str, str] | None = None) -> httpx.Response:
    body = xml.encode("utf-8") if isinstance(xml, str) else xml
    return client.post("/wechat", params=signed_query() if query is None else query, content=body)


def reply_of(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    reply: dict[str, Any] = xmltodict.parse(response.text)["xml"]
    return reply


def sealed(xml: str, crypto: WeChatCrypto) -> tuple[str, dict[str, str]]:
    """What WeChat sends in encrypted mode: the message sealed in <Encrypt>, two signatures."""
    query = signed_query()
    envelope = xmltodict.parse(crypto.encrypt_message(xml, query["nonce"], query["timestamp"]))["xml"]
    body = (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>"
    )
    query.update(encrypt_type="aes", msg_signature=envelope["MsgSignature"])
    return body, query


def post_encrypted(client: TestClient, xml: str, crypto: WeChatCrypto) -> httpx.Response:
    body, query = sealed(xml, crypto)
    return post(client, body, query)


def decrypt_reply(response: httpx.Response, crypto: WeChatCrypto) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    envelope = xmltodict.parse(response.text)["xml"]
    assert "Content" not in envelope  # nothing readable on the wire
    plain = crypto.decrypt_message(response.text, envelope["MsgSignature"], envelope["TimeStamp"], envelope["Nonce"])
    reply: dict[str, Any] = xmltodict.parse(plain)["xml"]
    return reply


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{tmp_path / 'wechat.db'}",
        "max_message_chars": 200,
        "wechat_token": TOKEN,
        "wechat_app_id": APP_ID,
        "wechat_app_secret": APP_SECRET,
        "wechat_api_base_url": API_BASE,
        "wechat_passive_reply_seconds": 1.0,
        "wechat_allow_plain": True,  # most tests speak plain mode; encrypted mode has its own
        "conversation_secret": SECRET,
    }
    values.update(overrides)
    return Settings(**values)


def open_client(settings: Settings, rasa: FakeRasa, wechat_api: FakeWeChatApi) -> TestClient:
    app: FastAPI = create_app(settings)
    app.dependency_overrides[get_rasa] = lambda: rasa
    deliveries: list[WeChatDelivery] = []

    def delivery() -> WeChatDelivery:  # one per app, as get_delivery keeps it
        if not deliveries:
            deliveries.append(wechat_api.delivery(settings, WeChatRecipients(app.state.engine)))
        return deliveries[0]

    app.dependency_overrides[get_delivery] = delivery
    return TestClient(app)


class RecordingTracker:
    """The part of Rasa the takeover uses."""

    def __init__(self) -> None:
        self.appended: list[tuple[str, list[dict[str, Any]]]] = []

    async def tracker(self, sender: str, *, include_events: str | None = None) -> dict[str, Any]:
        return {"paused": True}

    async def append_events(self, sender: str, events: list[dict[str, Any]]) -> None:
        self.appended.append((sender, events))


def get_delivery_of(client: TestClient) -> WeChatDelivery:
    provide = client.app.dependency_overrides[get_delivery]  # type: ignore[attr-defined]
    delivery: WeChatDelivery = provide()
    return delivery
