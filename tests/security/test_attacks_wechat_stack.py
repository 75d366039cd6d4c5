"""Attacks on the WeChat channel against the real stack in encrypted mode: what Rasa does with a
typed `/restart` (H1: it is words), and that no OpenID or signature reaches the database or the
logs (M5, M7). Callbacks are signed and encrypted with wechatpy's crypto; a small local server
plays WeChat's API.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import httpx
import pytest
import xmltodict
from sqlmodel import Session, select
from wechat_attacker import (
    AES_KEY,
    APP_ID,
    APP_SECRET,
    IDS,
    SECRET,
    TOKEN,
    VICTIM,
    FakeWeChatApi,
    every_row_but_the_recipients,
    sealed,
    text_xml,
)
from wechatpy.crypto import WeChatCrypto

from api.channels.wechat_recipients import WeChatRecipients
from api.rasa_client import RasaClient
from api.services import takeover
from api.services.wechat_delivery import WeChatDelivery
from casebook.db import create_db_engine
from casebook.models import Case
from scripts.stack import Stack


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
