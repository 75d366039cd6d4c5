"""Playing WeChat's side of the line in the attacks on the WeChat channel: callbacks signed and
encrypted with wechatpy's crypto, a small local server as WeChat's API, and a stand-in for Rasa.
WeChat's own servers cannot run here."""

from __future__ import annotations

import itertools
import json
import secrets
import sqlite3
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import xmltodict
from fastapi import FastAPI
from fastapi.testclient import TestClient
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

from api.channels.wechat_recipients import WeChatRecipients
from api.deps import get_delivery, get_rasa
from api.main import create_app
from api.security.conversation_ids import ConversationIds
from api.services.wechat_delivery import WeChatDelivery
from casebook.settings import Settings

TOKEN = "fawuSecurityToken2026"
APP_ID = "wx00000000security1"
APP_SECRET = "security-app-secret-0000"
AES_KEY = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefg"
SECRET = "conversation-secret-of-the-security-suite"
ACCOUNT = "gh_0123456789ab"
VICTIM = "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"  # the review's PoC OpenID
IDS = ConversationIds(SECRET.encode())
_msg_ids = itertools.count(int(time.time()) * 1000)


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
