"""Attacks on the WeChat channel, with callbacks sent as WeChat's servers send them.

C1: an OpenID is no credential. Rasa, the database and the logs know a WeChat resident by a
keyed hash of it; the OpenID is kept only for pushes, and staff messages go to the OpenID that
wrote, never to one read out of a conversation id. H1: a typed `/restart` or `/greet{…}` is
words. M5: a captured callback URL carries no other message, plain mode is a deliberate
choice, and signatures stay out of the logs. M7: no OpenID in any log.

The API-level attacks run against `create_app` with a stand-in for Rasa; the dialogue-level ones
(what Rasa does with a typed `/restart`) against the real stack in encrypted mode. WeChat's own
servers cannot run here: the tests sign and encrypt with wechatpy's crypto, and a small local
server plays WeChat's API.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import xmltodict
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

from api.channels.wechat_recipients import WeChatRecipients
from api.deps import get_rasa
from api.main import create_app
from api.rasa_client import RasaClient
from api.routes.wechat import get_delivery
from api.security.conversation_ids import ConversationIds
from api.services import takeover
from api.services.wechat_delivery import WeChatDelivery
from casebook.db import create_db_engine
from casebook.models import Case
from casebook.settings import Settings
from scripts.stack import Stack

TOKEN = "fawuSecurityToken2026"
APP_ID = "wx00000000security1"
APP_SECRET = "security-app-secret-0000"
AES_KEY = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefg"
SECRET = "conversation-secret-of-the-security-suite"
ACCOUNT = "gh_0123456789ab"
VICTIM = "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"  # the review's PoC OpenID
IDS = ConversationIds(SECRET.encode())
_msg_ids = itertools.count(int(time.time()) * 1000)


# --- WeChat's side of the line -------------------------------------------------------------------


def text_xml(content: str, openid: str = VICTIM, msg_id: int | None = None) -> str:
    msg_id = next(_msg_ids) if msg_id is None else msg_id
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    )


def signed_url() -> dict[str, str]:
    timestamp, nonce = str(int(time.time())), str(secrets.randbelow(10**10))
    signer = WeChatSigner()
    signer.add_data(TOKEN, timestamp, nonce)
    return {"signature": signer.signature, "timestamp": timestamp, "nonce": nonce}


def sealed(xml: str, crypto: WeChatCrypto) -> tuple[dict[str, str], str]:
    """An encrypted-mode callback: the message in <Encrypt>, the URL with both signatures."""
    query = signed_url()
    envelope = xmltodict.parse(crypto.encrypt_message(xml, query["nonce"], query["timestamp"]))["xml"]
    body = (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>"
    )
    return {**query, "encrypt_type": "aes", "msg_signature": envelope["MsgSignature"]}, body


class FakeWeChatApi:
    """WeChat's API (stable token, customer-service messages) on a local port, recording messages."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
                if self.path.startswith("/cgi-bin/stable_token"):
                    answer: dict[str, Any] = {"access_token": "ACCESS_TOKEN_S", "expires_in": 7200}
                else:
                    api.sent.append(body)
                    answer = {"errcode": 0, "errmsg": "ok"}
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def to(self, openid: str) -> list[str]:
        return [m["text"]["content"] for m in self.sent if m.get("touser") == openid]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class FakeRasa:
    """Records what the dialogue engine would be sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def send(self, sender: str, message: str, *, metadata: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        self.sent.append((sender, message))
        return [{"recipient_id": sender, "text": "您好，这是答复。"}]

    async def tracker(self, sender: str, *, include_events: str | None = None) -> dict[str, Any]:
        return {"sender_id": sender, "events": [], "paused": True}

    async def append_events(self, sender: str, events: list[dict[str, Any]]) -> None:
        return None


def every_row_but_the_recipients(database: Path) -> str:
    """The text of every row of every table except the one place an OpenID may be kept."""
    with sqlite3.connect(database) as connection:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        rows = [
            connection.execute(f'SELECT * FROM "{table}"').fetchall()
            for table in tables
            if table != "wechat_recipients"
        ]
    return repr(rows)


# --- the API with a stand-in for Rasa ----------------------------------------------------------------


@pytest.fixture
def wechat_api() -> Iterator[FakeWeChatApi]:
    api = FakeWeChatApi()
    yield api
    api.close()


def open_api(settings: Settings, rasa: FakeRasa, wechat_api: FakeWeChatApi) -> tuple[FastAPI, TestClient]:
    app = create_app(settings)
    app.dependency_overrides[get_rasa] = lambda: rasa
    deliveries: list[WeChatDelivery] = []

    def delivery() -> WeChatDelivery:
        if not deliveries:
            recipients = WeChatRecipients(app.state.engine)
            deliveries.append(
                WeChatDelivery(
                    app_id=APP_ID, app_secret=APP_SECRET, base_url=wechat_api.base_url, recipients=recipients
                )
            )
        return deliveries[0]

    app.dependency_overrides[get_delivery] = delivery
    return app, TestClient(app)


def settings_for(tmp_path: Path, wechat_api: FakeWeChatApi, **values: Any) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'wechat.db'}",
        conversation_secret=SECRET,
        wechat_token=TOKEN,
        wechat_app_id=APP_ID,
        wechat_app_secret=APP_SECRET,
        wechat_api_base_url=wechat_api.base_url,
        **values,
    )


def test_plain_mode_is_a_deliberate_choice() -> None:
    """M5: a token without an AES key is plain mode, where the message itself is unsigned."""
    with pytest.raises(ValueError, match="WECHAT_ALLOW_PLAIN"):
        create_app(Settings(wechat_token=TOKEN, conversation_secret=SECRET))


def test_a_captured_callback_url_carries_no_other_message(tmp_path: Path, wechat_api: FakeWeChatApi) -> None:
    """M5: plain mode signs the URL only; the review's PoC posts its own body under a logged URL."""
    rasa = FakeRasa()
    _app, client = open_api(settings_for(tmp_path, wechat_api, wechat_allow_plain=True), rasa, wechat_api)
    with client:
        url = signed_url()
        assert client.post("/wechat", params=url, content=text_xml("我想问问离婚的事")).status_code == 200
        poc = text_xml("/request_human", msg_id=99990001)
        replayed = client.post("/wechat", params=url, content=poc)
        assert replayed.status_code == 403
        forged = {**signed_url(), "signature": "0" * 40}
        assert client.post("/wechat", params=forged, content=poc).status_code == 403
        stale = signed_url()
        signer = WeChatSigner()
        signer.add_data(TOKEN, str(int(time.time()) - 3600), stale["nonce"])
        old = {**stale, "timestamp": str(int(time.time()) - 3600), "signature": signer.signature}
        assert client.post("/wechat", params=old, content=poc).status_code == 403
    assert [message for _sender, message in rasa.sent] == ["我想问问离婚的事"]


def test_an_openid_is_nowhere_but_where_the_push_needs_it(tmp_path: Path, wechat_api: FakeWeChatApi) -> None:
    """C1: not in the Rasa sender, not in any table but the recipients, not as its plain hash."""
    rasa, crypto = FakeRasa(), WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    settings = settings_for(tmp_path, wechat_api, wechat_encoding_aes_key=AES_KEY)
    _app, client = open_api(settings, rasa, wechat_api)
    with client:
        query, body = sealed(text_xml("我叫王小明，电话13800138000"), crypto)
        assert client.post("/wechat", params=query, content=body).status_code == 200
    assert rasa.sent == [(IDS.wechat(VICTIM), "我叫王小明，电话13800138000")]
    stored = every_row_but_the_recipients(tmp_path / "wechat.db")
    assert IDS.wechat(VICTIM) in stored  # the rows are there, under the keyed hash
    assert VICTIM not in stored and hashlib.sha256(f"wechat:{VICTIM}".encode()).hexdigest() not in stored


def test_staff_messages_go_to_the_openid_that_wrote(tmp_path: Path, wechat_api: FakeWeChatApi) -> None:
    """C1: the push target is looked up, not read out of the conversation id."""
    rasa = FakeRasa()
    app, client = open_api(settings_for(tmp_path, wechat_api, wechat_allow_plain=True), rasa, wechat_api)
    with client:
        client.post("/wechat", params=signed_url(), content=text_xml("我要找工作人员")).raise_for_status()
        delivery: WeChatDelivery = app.dependency_overrides[get_delivery]()

        async def staff_write(conversation_id: str, text: str) -> None:
            await takeover.say(rasa, delivery, conversation_id=conversation_id, staff_name="李调解员", text=text)  # type: ignore[arg-type]

        # A conversation someone made under the old naming, and a keyed id of another OpenID.
        asyncio.run(staff_write(f"wechat:{VICTIM}", "冒充的会话"))
        asyncio.run(staff_write(IDS.wechat("oSOMEONE_WHO_NEVER_WROTE_1"), "没人写过"))
        asyncio.run(staff_write(IDS.wechat(VICTIM), "您好，我是李调解员"))
    assert wechat_api.sent == [{"touser": VICTIM, "msgtype": "text", "text": {"content": "您好，我是李调解员"}}]


def test_one_residents_msgid_cannot_silence_anothers(tmp_path: Path, wechat_api: FakeWeChatApi) -> None:
    """M5: deduplication was by MsgId alone; an attacker's callback could take a victim's MsgId first."""
    rasa = FakeRasa()
    _app, client = open_api(settings_for(tmp_path, wechat_api, wechat_allow_plain=True), rasa, wechat_api)
    with client:
        client.post(
            "/wechat", params=signed_url(), content=text_xml("抢先", "oATTACKER_0000001", 4242)
        ).raise_for_status()
        answer = client.post("/wechat", params=signed_url(), content=text_xml("救命，他要打我", msg_id=4242))
    assert "您好，这是答复。" in answer.text
    assert (IDS.wechat(VICTIM), "救命，他要打我") in rasa.sent


# --- the real stack, encrypted mode ------------------------------------------------------------------


@pytest.fixture(scope="module")
def stack_api() -> Iterator[FakeWeChatApi]:
    api = FakeWeChatApi()
    yield api
    api.close()


@pytest.fixture(scope="module")
def stack(real_stack: Callable[[str], AbstractContextManager[Stack]], stack_api: FakeWeChatApi) -> Iterator[Stack]:
    with pytest.MonkeyPatch.context() as env:
        # Read by the stack's settings and handed to its API process.
        for name, value in {
            "WECHAT_TOKEN": TOKEN,
            "WECHAT_APP_ID": APP_ID,
            "WECHAT_APP_SECRET": APP_SECRET,
            "WECHAT_ENCODING_AES_KEY": AES_KEY,
            "WECHAT_API_BASE_URL": stack_api.base_url,
            "WECHAT_PASSIVE_REPLY_SECONDS": "4.5",
            "CONVERSATION_SECRET": SECRET,
        }.items():
            env.setenv(name, value)
        with real_stack("wechat") as running:
            yield running


class WeChatServer:
    """Sends a resident's messages to the running API as WeChat does, and reads the answers."""

    def __init__(self, stack: Stack, api: FakeWeChatApi, openid: str) -> None:
        self.url = f"http://{stack.settings.api_host}:{stack.settings.api_port}/wechat"
        self.crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
        self.api, self.openid = api, openid
        self.urls: list[dict[str, str]] = []

    def say(self, content: str, *, answered: bool = True) -> str:
        pushed = len(self.api.to(self.openid))
        query, body = sealed(text_xml(content, self.openid), self.crypto)
        query["openid"] = self.openid  # WeChat names the resident in the URL too
        self.urls.append(query)
        response = httpx.post(self.url, params=query, content=body, timeout=30)
        assert response.status_code == 200, response.text
        if response.text != "success":
            envelope = xmltodict.parse(response.text)["xml"]
            plain = self.crypto.decrypt_message(
                response.text, envelope["MsgSignature"], envelope["TimeStamp"], envelope["Nonce"]
            )
            return str(xmltodict.parse(plain)["xml"]["Content"])
        deadline = time.monotonic() + (60 if answered else 3)
        while time.monotonic() < deadline and len(self.api.to(self.openid)) == pushed:
            time.sleep(0.2)  # the bot was slow: the answer comes by the customer-service API
        return "\n".join(self.api.to(self.openid)[pushed:])


def dialogue(stack: Stack) -> RasaClient:
    return RasaClient(stack.settings.rasa_url, timeout=30, auth_token=stack.settings.rasa_auth_token)


def tracker(stack: Stack, conversation_id: str, include_events: str | None = None) -> dict[str, Any]:
    async def read() -> dict[str, Any]:
        rasa = dialogue(stack)
        try:
            return await rasa.tracker(conversation_id, include_events=include_events)
        finally:
            await rasa.aclose()

    return asyncio.run(read())


def user_texts(tracker_: dict[str, Any]) -> list[str]:
    return [str(e.get("text")) for e in tracker_.get("events") or [] if e.get("event") == "user"]


@pytest.mark.e2e
def test_a_typed_restart_neither_ends_a_takeover_nor_hides_what_was_said(
    stack: Stack, stack_api: FakeWeChatApi
) -> None:
    """H1 (the review's first PoC, over WeChat) and C1's push: the takeover reaches the OpenID."""
    resident = WeChatServer(stack, stack_api, VICTIM)
    conversation = IDS.wechat(VICTIM)
    assert resident.say("你好")
    delivery = WeChatDelivery(
        app_id=APP_ID,
        app_secret=APP_SECRET,
        base_url=stack_api.base_url,
        recipients=WeChatRecipients(create_db_engine(stack.settings.database_url_absolute)),
    )

    async def staff(step: str) -> None:
        rasa = dialogue(stack)
        try:
            if step == "start":
                await takeover.start(rasa, delivery, conversation_id=conversation, staff_name="李调解员")
            else:
                await takeover.end(rasa, delivery, conversation_id=conversation)
        finally:
            await rasa.aclose()

    asyncio.run(staff("start"))
    assert any("李调解员" in text for text in stack_api.to(VICTIM))  # pushed to the OpenID that wrote
    for typed in ("／RESTART", "/restart", "\u200b/session_start"):
        resident.say(typed, answered=False)
    still = tracker(stack, conversation)
    assert still["paused"], "a typed /restart ended the takeover"
    assert "你好" in user_texts(still)  # Rasa's default view (after a restart) still has everything
    assert not [e for e in tracker(stack, conversation, "ALL")["events"] if e.get("event") == "restart"]
    asyncio.run(staff("end"))


@pytest.mark.e2e
def test_a_poisoned_area_cannot_silence_a_request_for_a_person(stack: Stack, stack_api: FakeWeChatApi) -> None:
    """H1: `/greet{"area":{"x":1}}` typed over WeChat made 转人工 fail without a word."""
    openid = "oEXAMPLE_Poisoner_000000001"
    resident = WeChatServer(stack, stack_api, openid)
    resident.say('/greet{"area":{"x":1}}')
    assert "登记编号" in resident.say("转人工")
    engine = create_db_engine(stack.settings.database_url_absolute)
    with Session(engine) as session:
        cases = list(session.exec(select(Case).where(Case.conversation_id == IDS.wechat(openid))).all())
    engine.dispose()
    assert cases and all(not isinstance(case.area, dict) for case in cases)


@pytest.mark.e2e
def test_no_openid_or_signature_in_the_database_or_the_logs(stack: Stack, stack_api: FakeWeChatApi) -> None:
    """C1 and M7: Rasa's events and every table hold the keyed hash; M5: access logs mask the URL."""
    resident = WeChatServer(stack, stack_api, "oEXAMPLE_Logged_00000000001")
    resident.say("邻居占了我家宅基地怎么办")
    stored = every_row_but_the_recipients(Path(stack.settings.database_url_absolute.split("///", 1)[1]))
    assert IDS.wechat(resident.openid) in stored  # the rows are there, under the keyed hash
    assert VICTIM not in stored and resident.openid not in stored
    assert stack.log_dir is not None
    logs = "\n".join(log.read_text(errors="replace") for log in stack.log_dir.glob("*.log"))
    assert "POST /wechat?" in logs and "signature=***" in logs  # the access log is there, masked
    for query in resident.urls:
        for value in (query["signature"], query["msg_signature"], query["nonce"]):
            assert value not in logs
    assert VICTIM not in logs and resident.openid not in logs
