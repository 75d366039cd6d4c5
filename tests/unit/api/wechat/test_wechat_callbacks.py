"""Callbacks as WeChat signs, encrypts and retries them, and what the route refuses before any bot sees them."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import xmltodict
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from wechat_harness import (
    AES_KEY,
    CONVERSATION,
    OPENID,
    SECRET,
    TEXTS,
    TOKEN,
    FakeRasa,
    FakeWeChatApi,
    decrypt_reply,
    make_settings,
    open_client,
    post,
    post_encrypted,
    reply_of,
    sample,
    signed_query,
)
from wechatpy.crypto import WeChatCrypto

from api.channels.wechat import WeChatChannel
from api.security.conversation_ids import ConversationIds


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


def test_stale_signatures_are_refused_by_the_adapter() -> None:
    channel = WeChatChannel(token=TOKEN, clock=lambda: 2_000_000_000.0)
    query = signed_query(timestamp="2000000000")
    channel.check_signature(signature=query["signature"], timestamp=query["timestamp"], nonce=query["nonce"])
    later = WeChatChannel(token=TOKEN, clock=lambda: 2_000_000_000.0 + 3600)
    with pytest.raises(Exception, match="stale"):
        later.check_signature(signature=query["signature"], timestamp=query["timestamp"], nonce=query["nonce"])


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
