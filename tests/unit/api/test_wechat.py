"""The WeChat channel, driven as the WeChat server drives it.

Requests are signed (and encrypted) with wechatpy's own crypto; the bot is a stand-in behind
the RasaClient dependency; the WeChat API is a local fake (httpx MockTransport) behind the
WECHAT_API_BASE_URL setting.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from string import Template
from typing import Any

import httpx
import pytest
import xmltodict
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

from api.channels.wechat import (
    MAX_TEXT_BYTES,
    Choice,
    HideUrlSecrets,
    WeChatChannel,
    WeChatTexts,
    compose,
    hide_url_secrets,
    pick_choice,
    split_text,
    wechat_texts,
)
from api.channels.wechat_recipients import WeChatRecipients
from api.channels.wechat_tables import WeChatRecipient
from api.deps import get_rasa
from api.main import create_app
from api.rasa_client import DialogueUnavailable
from api.routes.wechat import get_delivery
from api.security.conversation_ids import ConversationIds
from api.services import takeover
from api.services.wechat_delivery import DeliveryError, WeChatDelivery
from casebook.settings import PROJECT_ROOT, Settings

SAMPLES = Path(__file__).parent / "wechat_samples"
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


# --- stand-ins for the bot and for WeChat's API -------------------------------------------------


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


# --- acting as the WeChat server ----------------------------------------------------------------


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


# --- fixtures -----------------------------------------------------------------------------------


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


@pytest.fixture
def rasa() -> FakeRasa:
    return FakeRasa()


@pytest.fixture
def wechat_api() -> FakeWeChatApi:
    return FakeWeChatApi()


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


@pytest.fixture
def client(tmp_path: Path, rasa: FakeRasa, wechat_api: FakeWeChatApi) -> Iterator[TestClient]:
    with open_client(make_settings(tmp_path), rasa, wechat_api) as test_client:
        yield test_client


@pytest.fixture
def crypto() -> WeChatCrypto:
    return WeChatCrypto(TOKEN, AES_KEY, APP_ID)


@pytest.fixture
def safe_client(tmp_path: Path, rasa: FakeRasa, wechat_api: FakeWeChatApi) -> Iterator[TestClient]:
    settings = make_settings(tmp_path, wechat_encoding_aes_key=AES_KEY)
    with open_client(settings, rasa, wechat_api) as test_client:
        yield test_client


# --- URL verification and signatures ------------------------------------------------------------


def test_the_console_url_check_echoes_only_for_a_correct_signature(client: TestClient) -> None:
    ok = client.get("/wechat", params={**signed_query(), "echostr": "7388403416945871563"})
    assert ok.status_code == 200 and ok.text == "7388403416945871563"
    forged = client.get("/wechat", params={**signed_query(token="guessed"), "echostr": "1"})
    assert forged.status_code == 403 and forged.json()["detail"] == TEXTS.forbidden
    assert client.get("/wechat", params={"echostr": "1"}).status_code == 403
    stale = signed_query(timestamp=str(int(time.time()) - 3600))
    assert client.get("/wechat", params={**stale, "echostr": "1"}).status_code == 403


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"timestamp": "1700000000", "nonce": "1"},
        {**signed_query(token="not-the-token")},
        {**signed_query(), "signature": "0" * 40},
        {**signed_query(), "signature": "签名"},
        {**signed_query(), "timestamp": "soon"},
    ],
)
def test_posts_with_a_forged_or_missing_signature_are_refused(
    client: TestClient, rasa: FakeRasa, query: dict[str, str]
) -> None:
    response = post(client, sample("text", "你好"), query)
    assert response.status_code == 403
    assert response.json()["detail"] == TEXTS.forbidden
    assert rasa.calls == []


def test_without_a_token_the_channel_is_off(tmp_path: Path, rasa: FakeRasa, wechat_api: FakeWeChatApi) -> None:
    with open_client(make_settings(tmp_path, wechat_token=""), rasa, wechat_api) as off:
        for response in (off.get("/wechat", params=signed_query("")), post(off, sample("text", "你好"))):
            assert response.status_code == 503
            assert response.json()["detail"] == TEXTS.channel_disabled
    assert rasa.calls == []


# --- messages -----------------------------------------------------------------------------------


def test_a_text_message_gets_the_bots_answer_as_a_passive_reply(client: TestClient, rasa: FakeRasa) -> None:
    reply = reply_of(post(client, sample("text", "欠条过期了还能要钱吗")))
    assert rasa.calls == [(CONVERSATION, "欠条过期了还能要钱吗")]
    assert reply["MsgType"] == "text" and reply["Content"] == "您好，这是答复。"
    assert reply["ToUserName"] == OPENID and reply["FromUserName"] == ACCOUNT


def test_rasa_knows_the_resident_by_a_keyed_hash_of_the_openid(client: TestClient, rasa: FakeRasa) -> None:
    reply_of(post(client, sample("text", "你好")))
    sender = rasa.calls[0][0]
    assert re.fullmatch(r"wechat-[0-9a-f]{32}", sender)
    assert OPENID not in sender and sender != ConversationIds(b"another-servers-secret-0123456789ab").wechat(OPENID)


def test_encrypted_mode_round_trip(safe_client: TestClient, rasa: FakeRasa, crypto: WeChatCrypto) -> None:
    reply = decrypt_reply(post_encrypted(safe_client, sample("text", "邻居占了我家宅基地"), crypto), crypto)
    assert rasa.messages == ["邻居占了我家宅基地"]
    assert reply["Content"] == "您好，这是答复。" and reply["ToUserName"] == OPENID


def test_encrypted_mode_refuses_plain_and_mis_signed_callbacks(
    safe_client: TestClient, rasa: FakeRasa, crypto: WeChatCrypto
) -> None:
    assert post(safe_client, sample("text", "你好")).status_code == 403
    query = signed_query()
    sealed = xmltodict.parse(crypto.encrypt_message(sample("text", "你好"), query["nonce"], query["timestamp"]))["xml"]
    body = f"<xml><Encrypt><![CDATA[{sealed['Encrypt']}]]></Encrypt></xml>"
    assert post(safe_client, body, {**query, "encrypt_type": "aes", "msg_signature": "f" * 40}).status_code == 403
    # Sealed with another account's key: the signature is fine, the content is not ours.
    other = WeChatCrypto(TOKEN, AES_KEY, "wxANOTHERACCOUNT00")
    assert post_encrypted(safe_client, sample("text", "你好"), other).status_code == 403
    assert rasa.calls == []


def test_a_retried_message_reaches_the_bot_once_and_gets_the_same_answer(client: TestClient, rasa: FakeRasa) -> None:
    query, body = signed_query(), sample("text", "工伤怎么认定", msg_id=42)
    first = reply_of(post(client, body, query))
    again = reply_of(post(client, body, query))  # WeChat retrying: the same URL and body
    assert len(rasa.calls) == 1
    assert again["Content"] == first["Content"]
    reply_of(post(client, body))  # the same MsgId under another signed URL is still that message
    assert len(rasa.calls) == 1
    reply_of(post(client, sample("text", "工伤怎么认定", msg_id=43)))  # a new message is a new turn
    assert len(rasa.calls) == 2


def test_following_the_account_gets_a_welcome_with_numbered_services(client: TestClient, rasa: FakeRasa) -> None:
    welcome = reply_of(post(client, sample("subscribe")))["Content"]
    assert welcome.startswith(TEXTS.welcome) and "12348" in welcome
    assert "回复1：法律咨询" in welcome and "回复2：申请人民调解" in welcome
    assert rasa.calls == []
    reply_of(post(client, sample("text", "2", msg_id=7)))
    assert rasa.messages == ["/request_mediation"]


def test_welcome_choices_are_intents_the_bot_knows() -> None:
    intents: set[str] = set()
    for path in (PROJECT_ROOT / "bot" / "domain").glob("*.yml"):
        intents.update(str(i) for i in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("intents", []))
    for choice in TEXTS.welcome_choices:
        assert choice.payload.lstrip("/") in intents, choice


@pytest.mark.parametrize(("name", "kind"), [("image", "图片"), ("voice", "语音"), ("location", "位置")])
def test_media_and_places_get_a_polite_note_on_what_works(
    client: TestClient, rasa: FakeRasa, name: str, kind: str
) -> None:
    content = reply_of(post(client, sample(name)))["Content"]
    assert content == TEXTS.unsupported.format(kind=kind)
    assert "文字" in content and "12348" in content
    assert rasa.calls == []


def test_voice_that_wechat_recognised_is_a_question(client: TestClient, rasa: FakeRasa) -> None:
    reply_of(post(client, sample("voice_recognized", "离婚孩子归谁")))
    assert rasa.messages == ["离婚孩子归谁"]


def test_a_menu_click_sends_its_key_and_unknown_events_get_no_reply(client: TestClient, rasa: FakeRasa) -> None:
    reply_of(post(client, sample("click")))
    assert rasa.messages == ["/request_mediation"]
    unsubscribed = post(client, sample("unsubscribe"))
    assert unsubscribed.status_code == 200 and unsubscribed.text == "success"


def test_buttons_become_numbered_choices_that_a_number_picks(client: TestClient, rasa: FakeRasa) -> None:
    rasa.replies = [
        {"recipient_id": "x", "text": "可以申请人民调解。"},
        {
            "recipient_id": "x",
            "text": "需要我帮您办吗？",
            "buttons": [
                {"title": "申请调解", "payload": "/request_mediation"},
                {"title": "转人工", "payload": "/request_human"},
            ],
        },
        {"recipient_id": "x", "custom": {"citations": [{"label": "人民调解法第十七条", "url": "/api/statutes"}]}},
    ]
    content = reply_of(post(client, sample("text", "和邻居吵架了", msg_id=1)))["Content"]
    assert content == "可以申请人民调解。\n\n需要我帮您办吗？\n\n回复1：申请调解\n回复2：转人工"
    rasa.replies = [{"recipient_id": "x", "text": "好的。"}]
    reply_of(post(client, sample("text", "1", msg_id=2)))
    assert rasa.messages[-1] == "/request_mediation"
    # That reply had no buttons: "1" is plain text again, nothing stale is picked.
    reply_of(post(client, sample("text", "1", msg_id=3)))
    assert rasa.messages[-1] == "1"


def test_choices_are_picked_by_full_width_digits_circled_digits_or_title() -> None:
    choices = [Choice(title="申请调解", payload="/request_mediation"), Choice(title="转人工", payload="/request_human")]
    assert pick_choice("１", choices) == "/request_mediation"
    assert pick_choice(" ② ", choices) == "/request_human"
    assert pick_choice("2.", choices) == "/request_human"
    assert pick_choice("转人工", choices) == "/request_human"
    assert pick_choice("3", choices) is None
    assert pick_choice("我要申请调解", choices) is None
    assert pick_choice("/request_human", choices) is None  # a payload typed is not a pick


def test_emoji_and_traditional_characters_pass_through(client: TestClient, rasa: FakeRasa) -> None:
    rasa.replies = [{"recipient_id": "x", "text": "別擔心😊，可以申請勞動仲裁。"}]
    reply = reply_of(post(client, sample("text", "我的僱主欠薪怎麼辦😭")))
    assert rasa.messages == ["我的僱主欠薪怎麼辦😭"]
    assert reply["Content"] == "別擔心😊，可以申請勞動仲裁。"


def test_reply_text_cannot_break_out_of_its_cdata(client: TestClient, rasa: FakeRasa) -> None:
    rasa.replies = [{"recipient_id": "x", "text": "a]]><MsgType>news</MsgType><x>\x07b"}]
    reply = reply_of(post(client, sample("text", "你好")))
    assert reply["MsgType"] == "text" and reply["Content"] == "a]]><MsgType>news</MsgType><x>b"


def test_empty_and_over_long_messages_are_answered_without_the_bot(client: TestClient, rasa: FakeRasa) -> None:
    assert reply_of(post(client, sample("text", "  ", msg_id=1)))["Content"] == TEXTS.empty_message
    long = reply_of(post(client, sample("text", "欠" * 201, msg_id=2)))["Content"]
    assert long == TEXTS.message_too_long.format(limit=200)
    assert rasa.calls == []


def test_a_bot_that_is_down_gets_a_chinese_note(client: TestClient, rasa: FakeRasa) -> None:
    rasa.down = True
    assert reply_of(post(client, sample("text", "你好")))["Content"] == TEXTS.dialogue_unavailable


def test_a_turn_that_answers_nothing_gets_a_chinese_note_not_silence(client: TestClient, rasa: FakeRasa) -> None:
    rasa.replies = []  # what Rasa answers when the action server is down
    assert reply_of(post(client, sample("text", "老板欠薪怎么办")))["Content"] == TEXTS.no_reply


# --- hostile and malformed input ----------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not xml at all",
        b"<xml><ToUserName>",
        b'{"MsgType": "text"}',
        b"<notxml><MsgType>text</MsgType></notxml>",
        b"<xml><FromUserName>oEXAMPLE0penid</FromUserName></xml>",  # no MsgType
        b"<xml><ToUserName>gh_1</ToUserName><FromUserName><a>1</a></FromUserName><MsgType>text</MsgType></xml>",
        b"<xml><ToUserName>gh_1</ToUserName><FromUserName>bad id!</FromUserName><MsgType>text</MsgType></xml>",
        b"<xml><ToUserName>gh_1</ToUserName><FromUserName>oEXAMPLE0penid</FromUserName>"
        b"<MsgType>text</MsgType><MsgId>abc</MsgId></xml>",
        "<xml><MsgType>text</MsgType></xml>".encode("utf-16"),
        b"\xff\xfe\x00garbage",
    ],
)
def test_malformed_xml_is_a_400_without_a_stack_trace(client: TestClient, rasa: FakeRasa, body: bytes) -> None:
    response = post(client, body)
    assert response.status_code == 400
    assert response.json() == {"detail": TEXTS.bad_request}
    assert "Traceback" not in response.text
    assert rasa.calls == []


@pytest.mark.parametrize("name", ["billion_laughs", "external_entity", "parameter_entity"])
def test_entity_attacks_are_refused_quickly(client: TestClient, rasa: FakeRasa, name: str) -> None:
    started = time.perf_counter()
    response = post(client, sample(name))
    assert time.perf_counter() - started < 1.0
    assert response.status_code == 400 and "root:" not in response.text
    assert rasa.calls == []


def test_entity_attacks_inside_the_encrypted_envelope_are_refused(
    safe_client: TestClient, rasa: FakeRasa, crypto: WeChatCrypto
) -> None:
    for name in ("billion_laughs", "external_entity"):
        assert post_encrypted(safe_client, sample(name), crypto).status_code == 400
    assert rasa.calls == []


def test_an_oversized_body_is_refused(client: TestClient, rasa: FakeRasa) -> None:
    response = post(client, sample("text", "欠" * 30000))
    assert response.status_code == 413  # at the edge (the API's body limit) or by the route's own
    assert rasa.calls == []


# --- the slow path: reply later through the customer-service API ---------------------------------


def test_a_slow_bot_answer_arrives_through_the_customer_service_api(
    tmp_path: Path, rasa: FakeRasa, wechat_api: FakeWeChatApi
) -> None:
    rasa.delay = 0.4
    with open_client(make_settings(tmp_path, wechat_passive_reply_seconds=0.05), rasa, wechat_api) as slow:
        first = post(slow, sample("text", "工伤怎么认定", msg_id=1))
        # WeChat got "success" at once; the test client returns only after the background
        # delivery has finished, so the fake API has everything by now.
        assert first.status_code == 200 and first.text == "success"
        second = post(slow, sample("text", "交通事故", msg_id=2))
        assert second.text == "success"
        retry = post(slow, sample("text", "交通事故", msg_id=2))
        assert retry.text == "success"
    assert rasa.messages == ["工伤怎么认定", "交通事故"]
    assert len(wechat_api.token_requests) == 1  # fetched once, then cached
    token_body = json.loads(wechat_api.token_requests[0].content)
    assert token_body["appid"] == APP_ID and token_body["secret"] == APP_SECRET
    assert APP_SECRET not in str(wechat_api.token_requests[0].url)  # the secret stays out of URLs
    assert wechat_api.sent == [
        {"touser": OPENID, "msgtype": "text", "text": {"content": "您好，这是答复。"}},
        {"touser": OPENID, "msgtype": "text", "text": {"content": "您好，这是答复。"}},
    ]
    assert all(url.host == "wechat-api.test" for url in wechat_api.sent_urls)


def test_without_customer_service_credentials_a_slow_bot_is_explained(
    tmp_path: Path, rasa: FakeRasa, wechat_api: FakeWeChatApi
) -> None:
    rasa.delay = 0.3
    settings = make_settings(tmp_path, wechat_passive_reply_seconds=0.05, wechat_app_secret="")
    with open_client(settings, rasa, wechat_api) as slow:
        assert reply_of(post(slow, sample("text", "你好")))["Content"] == TEXTS.too_slow
    assert wechat_api.sent == [] and wechat_api.token_requests == []


def test_an_over_long_answer_is_split_across_customer_service_messages(
    client: TestClient, rasa: FakeRasa, wechat_api: FakeWeChatApi
) -> None:
    paragraph = "劳动者可以申请劳动仲裁。" * 50  # 1,800 bytes: two fit in no single message
    rasa.replies = [{"recipient_id": "x", "text": paragraph + "\n" + paragraph}]
    assert post(client, sample("text", "欠薪")).text == "success"
    contents = [message["text"]["content"] for message in wechat_api.sent]
    assert len(contents) >= 2 and all(len(c.encode()) <= MAX_TEXT_BYTES for c in contents)
    assert "".join(contents).replace("\n", "") == (paragraph * 2)


def test_delivery_fetches_a_new_token_when_wechat_says_it_expired(wechat_api: FakeWeChatApi, tmp_path: Path) -> None:
    delivery = wechat_api.delivery(make_settings(tmp_path))
    asyncio.run(delivery.send_texts(OPENID, ["第一条"]))
    wechat_api.reject_next_send_with = 42001
    wechat_api.token = "ACCESS_TOKEN_2"
    asyncio.run(delivery.send_texts(OPENID, ["第二条"]))
    assert len(wechat_api.token_requests) == 2
    assert [m["text"]["content"] for m in wechat_api.sent] == ["第一条", "第二条"]
    assert wechat_api.sent_urls[-1].params["access_token"] == "ACCESS_TOKEN_2"


def test_delivery_reports_refusals_and_outages(tmp_path: Path) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/cgi-bin/stable_token":
            return httpx.Response(200, json={"errcode": 40125, "errmsg": "invalid appsecret"})
        return httpx.Response(500)

    delivery = WeChatDelivery(
        app_id=APP_ID, app_secret="wrong", base_url=API_BASE, transport=httpx.MockTransport(refuse)
    )
    with pytest.raises(DeliveryError, match="40125"):
        asyncio.run(delivery.send_texts(OPENID, ["你好"]))
    unconfigured = WeChatDelivery(app_id="", app_secret="", base_url=API_BASE)
    assert not unconfigured.configured
    with pytest.raises(DeliveryError):
        asyncio.run(unconfigured.send_texts(OPENID, ["你好"]))


# --- personal data, settings, texts -------------------------------------------------------------


def test_openids_never_reach_the_logs(
    tmp_path: Path, rasa: FakeRasa, wechat_api: FakeWeChatApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    rasa.delay = 0.2
    with open_client(make_settings(tmp_path, wechat_passive_reply_seconds=0.05), rasa, wechat_api) as slow:
        post(slow, sample("text", "你好", msg_id=1))
        post(slow, sample("text", "你好", msg_id=1))
        post(slow, b"<xml>broken")
        post(slow, sample("image", msg_id=2), signed_query(token="forged"))
    # The test client's own log ("httpx2") is WeChat's side of the line.
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name != "httpx2")
    assert CONVERSATION in ours and OPENID not in ours
    assert APP_SECRET not in ours and "ACCESS_TOKEN_1" not in ours


def test_request_logs_hide_openids_and_access_tokens(caplog: pytest.LogCaptureFixture) -> None:
    hide_url_secrets()
    hide_url_secrets()  # installing twice adds nothing
    assert sum(isinstance(f, HideUrlSecrets) for f in logging.getLogger("httpx").filters) == 1
    caplog.set_level(logging.INFO)
    path = (
        "/wechat?signature=5ig&timestamp=1780000000&nonce=90210&encrypt_type=aes"
        f"&msg_signature=m5ig&echostr=3cho&openid={OPENID}"
    )
    # Shaped as uvicorn's access log and httpx's request log write them.
    logging.getLogger("uvicorn.access").info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "POST", path, "1.1", 200)
    logging.getLogger("httpx").info("HTTP Request: %s %s", "POST", httpx.URL(f"{API_BASE}/x?access_token=TOKEN9"))
    access, outgoing = (record.getMessage() for record in caplog.records)
    # A logged signature with its timestamp and nonce would be a usable callback URL.
    for value in (OPENID, "5ig", "1780000000", "90210", "m5ig", "3cho"):
        assert value not in access
    assert "signature=***" in access and "msg_signature=***" in access and "encrypt_type=aes" in access
    assert access.endswith('HTTP/1.1" 200')
    assert "TOKEN9" not in outgoing and "access_token=***" in outgoing


def test_wechat_settings_refuse_inconsistent_keys() -> None:
    with pytest.raises(ValueError, match="43"):
        Settings(wechat_token="t", wechat_app_id=APP_ID, wechat_encoding_aes_key="too-short")
    with pytest.raises(ValueError, match="WECHAT_APP_ID"):
        Settings(wechat_token="t", wechat_encoding_aes_key=AES_KEY)
    with pytest.raises(ValueError):
        Settings(wechat_passive_reply_seconds=5)  # WeChat gives up at 5 s
    settings = Settings(wechat_token="t", wechat_app_secret="s3cret", wechat_allow_plain=True)
    assert "s3cret" not in repr(settings) and settings.wechat_api_base_url == "https://api.weixin.qq.com"


def test_a_token_without_an_aes_key_refuses_to_start_unless_plain_mode_is_meant() -> None:
    with pytest.raises(ValueError, match="WECHAT_ALLOW_PLAIN"):
        Settings(wechat_token="t")
    assert not Settings(wechat_token="t", wechat_allow_plain=True).wechat_encoding_aes_key.get_secret_value()
    assert Settings(wechat_token="t", wechat_app_id=APP_ID, wechat_encoding_aes_key=AES_KEY).wechat_token
    assert not Settings().wechat_allow_plain  # the channel off needs no choice


def test_the_texts_file_is_validated(tmp_path: Path) -> None:
    assert WeChatTexts.load().unsupported_reply("file") == TEXTS.unsupported.format(kind=TEXTS.unknown_kind)
    broken = tmp_path / "wechat.yml"
    data = yaml.safe_load((PROJECT_ROOT / "api" / "channels" / "wechat.yml").read_text(encoding="utf-8"))
    broken.write_text(yaml.safe_dump({**data, "choice_line": "回复{number}"}, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match=r"wechat\.yml"):
        WeChatTexts.load(broken)


def test_compose_numbers_buttons_across_a_turn_and_skips_custom_payloads() -> None:
    reply = compose(
        [
            {"text": "第一段", "buttons": [{"title": "甲", "payload": "/a"}]},
            {"custom": {"receipt": {}}},
            {"text": "第二段", "buttons": [{"title": "乙", "payload": "/b"}, {"title": "", "payload": "/c"}]},
        ],
        TEXTS,
    )
    assert reply.text == "第一段\n\n回复1：甲\n\n第二段\n\n回复2：乙"
    assert [c.payload for c in reply.choices] == ["/a", "/b"]


def test_split_text_keeps_every_character_within_the_byte_limit() -> None:
    text = "短的一行\n" + "长" * 1500 + "\n最后一行"
    parts = split_text(text, max_bytes=2048)
    assert all(len(p.encode()) <= 2048 for p in parts)
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")
    assert split_text("你好") == ["你好"] and split_text("  \n ") == []


def test_stale_signatures_are_refused_by_the_adapter() -> None:
    channel = WeChatChannel(token=TOKEN, clock=lambda: 2_000_000_000.0)
    query = signed_query(timestamp="2000000000")
    channel.check_signature(signature=query["signature"], timestamp=query["timestamp"], nonce=query["nonce"])
    later = WeChatChannel(token=TOKEN, clock=lambda: 2_000_000_000.0 + 3600)
    with pytest.raises(Exception, match="stale"):
        later.check_signature(signature=query["signature"], timestamp=query["timestamp"], nonce=query["nonce"])


# --- typed text is text (issue 13, H1) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("/restart", "restart"),
        ("／RESTART", "RESTART"),
        ("\u200b /session_start", "session_start"),
        ('/greet{"area":{"x":1}}', 'greet{"area":{"x":1}}'),
        ("/emergency", "emergency"),
    ],
)
def test_typed_commands_reach_the_bot_as_words(client: TestClient, rasa: FakeRasa, typed: str, words: str) -> None:
    reply_of(post(client, sample("text", typed)))
    assert rasa.messages == [words]


def test_a_typed_payload_passes_only_when_the_bot_offered_that_button(client: TestClient, rasa: FakeRasa) -> None:
    reply_of(post(client, sample("text", "/affirm", msg_id=1)))  # nothing offered yet
    rasa.replies = [{"text": "信息对吗？", "buttons": [{"title": "对", "payload": "/affirm"}]}]
    reply_of(post(client, sample("text", "我叫王五", msg_id=2)))
    reply_of(post(client, sample("text", "/affirm", msg_id=3)))
    reply_of(post(client, sample("text", '/affirm{"phone":"13800138000"}', msg_id=4)))
    assert rasa.messages == ["affirm", "我叫王五", "/affirm", 'affirm{"phone":"13800138000"}']


def test_slashes_alone_are_an_empty_message(client: TestClient, rasa: FakeRasa) -> None:
    assert reply_of(post(client, sample("text", " ／/ ")))["Content"] == TEXTS.empty_message
    assert rasa.calls == []


def test_a_menu_key_the_welcome_does_not_offer_gets_the_welcome_not_the_bot(client: TestClient, rasa: FakeRasa) -> None:
    forged = sample("click").replace("/request_mediation", "/restart")
    content = reply_of(post(client, forged))["Content"]
    assert content.startswith(TEXTS.welcome) and "回复1：法律咨询" in content
    assert rasa.calls == []


# --- replays and retries (issue 13, M5) ----------------------------------------------------------


def test_a_signed_url_used_again_with_another_body_is_refused(client: TestClient, rasa: FakeRasa) -> None:
    query = signed_query()
    reply_of(post(client, sample("text", "我想咨询", msg_id=1), query))
    replay = post(client, sample("text", "/request_human", msg_id=2), query)
    assert replay.status_code == 403 and replay.json()["detail"] == TEXTS.forbidden
    assert rasa.messages == ["我想咨询"]


def test_an_over_long_nonce_is_refused() -> None:
    channel = WeChatChannel(token=TOKEN)
    query = signed_query(nonce="9" * 65)
    with pytest.raises(Exception, match="nonce"):
        channel.check_signature(signature=query["signature"], timestamp=query["timestamp"], nonce=query["nonce"])


def test_one_residents_msgid_cannot_pre_empt_anothers(client: TestClient, rasa: FakeRasa) -> None:
    other = "oEXAMPLE0penid_Neighbour-0002"
    reply_of(post(client, sample("text", "先发", msg_id=77, openid=other)))
    reply = reply_of(post(client, sample("text", "后发", msg_id=77)))
    assert reply["Content"] == "您好，这是答复。"
    assert [sender for sender, _ in rasa.calls] == [ConversationIds(SECRET.encode()).wechat(other), CONVERSATION]


def test_a_passive_reply_is_kept_only_for_wechats_retries(client: TestClient, tmp_path: Path) -> None:
    query, body = signed_query(), sample("text", "工伤怎么认定", msg_id=9)
    reply_of(post(client, body, query))
    engine = create_engine(f"sqlite:///{tmp_path / 'wechat.db'}")
    with engine.begin() as connection:  # two minutes later
        connection.execute(text("UPDATE wechat_callbacks SET created_at = datetime('now', '-2 minutes')"))
    late = post(client, body, query)
    assert late.status_code == 200 and late.text == "success"
    with engine.connect() as connection:
        assert connection.execute(text("SELECT reply FROM wechat_callbacks")).scalars().all() == [None]
    engine.dispose()


# --- the OpenID is kept only for pushes (issue 13, C1) ---------------------------------------------


def test_the_openid_is_kept_only_in_the_recipients_table(client: TestClient, rasa: FakeRasa, tmp_path: Path) -> None:
    rasa.replies = [{"text": "请选择", "buttons": [{"title": "转人工", "payload": "/request_human"}]}]
    reply_of(post(client, sample("text", "你好", msg_id=1)))
    reply_of(post(client, sample("subscribe")))
    engine = create_engine(f"sqlite:///{tmp_path / 'wechat.db'}")
    with engine.connect() as connection:
        recipients = connection.execute(text("SELECT conversation_id, openid FROM wechat_recipients")).all()
        assert [tuple(row) for row in recipients] == [(CONVERSATION, OPENID)]
        for table in ("wechat_callbacks", "wechat_choices", "wechat_nonces"):
            rows = connection.execute(text(f"SELECT * FROM {table}")).all()
            assert rows and OPENID not in str(rows), table
    engine.dispose()


def test_a_staff_message_goes_to_the_openid_the_recipients_table_names(
    client: TestClient, wechat_api: FakeWeChatApi
) -> None:
    reply_of(post(client, sample("text", "我要找工作人员")))
    delivery = get_delivery_of(client)
    rasa = RecordingTracker()
    asyncio.run(takeover.say(rasa, delivery, conversation_id=CONVERSATION, staff_name="李调解员", text="您好"))
    # The old push target, the id with its prefix removed, opens nothing now.
    asyncio.run(takeover.say(rasa, delivery, conversation_id=f"wechat:{OPENID}", staff_name="李", text="冒充"))
    forged = ConversationIds(SECRET.encode()).wechat("oSOMEONE_ELSE_00001")
    asyncio.run(takeover.say(rasa, delivery, conversation_id=forged, staff_name="李", text="无人"))
    assert wechat_api.sent == [{"touser": OPENID, "msgtype": "text", "text": {"content": "您好"}}]


def test_unfollowing_forgets_the_recipient(client: TestClient, tmp_path: Path) -> None:
    reply_of(post(client, sample("text", "你好")))
    recipients = WeChatRecipients(create_engine(f"sqlite:///{tmp_path / 'wechat.db'}"))
    assert recipients.openid_of(CONVERSATION) == OPENID
    assert post(client, sample("unsubscribe")).text == "success"
    assert recipients.openid_of(CONVERSATION) is None


def test_recipients_last_as_long_as_wechats_48_hour_window(engine: Engine) -> None:
    now = [datetime(2026, 6, 1, 9, 0, tzinfo=UTC)]
    recipients = WeChatRecipients(engine, clock=lambda: now[0])
    recipients.remember(CONVERSATION, OPENID)
    now[0] += timedelta(hours=47)
    assert recipients.openid_of(CONVERSATION) == OPENID
    now[0] += timedelta(hours=2)
    assert recipients.openid_of(CONVERSATION) is None
    recipients.remember("wechat-other", "oOTHER_0000001")  # writing purges the lapsed rows
    with Session(engine) as session:
        assert [r.conversation_id for r in session.exec(select(WeChatRecipient)).all()] == ["wechat-other"]


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
