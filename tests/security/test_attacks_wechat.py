"""Attacks on the WeChat channel's API, with callbacks sent as WeChat's servers send them and a
stand-in for Rasa (the dialogue-level attacks against the real stack are in
test_attacks_wechat_stack.py).

C1: an OpenID is no credential. Rasa, the database and the logs know a WeChat resident by a
keyed hash of it; the OpenID is kept only for pushes, and staff messages go to the OpenID that
wrote, never to one read out of a conversation id. M5: a captured callback URL carries no other
message, and plain mode is a deliberate choice.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from pathlib import Path

import pytest
from wechat_attacker import (
    AES_KEY,
    APP_ID,
    IDS,
    SECRET,
    TOKEN,
    VICTIM,
    FakeRasa,
    FakeWeChatApi,
    every_row_but_the_recipients,
    open_api,
    sealed,
    settings_for,
    signed_url,
    text_xml,
)
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

from api.deps import get_delivery
from api.main import create_app
from api.services import takeover
from api.services.wechat_delivery import WeChatDelivery
from casebook.settings import Settings


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
