"""Replies too slow for the callback, and staff messages, through the customer-service API."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest
from fastapi import Request
from fastapi.testclient import TestClient
from wechat_harness import (
    API_BASE,
    APP_ID,
    APP_SECRET,
    CONVERSATION,
    OPENID,
    SECRET,
    TEXTS,
    FakeRasa,
    FakeWeChatApi,
    RecordingTracker,
    get_delivery_of,
    make_settings,
    open_client,
    post,
    reply_of,
    sample,
)

from api.channels.wechat_replies import MAX_TEXT_BYTES
from api.deps import get_delivery
from api.main import create_app
from api.security.conversation_ids import ConversationIds
from api.services import takeover
from api.services.wechat_delivery import DeliveryError, WeChatDelivery


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


def test_the_customer_service_client_is_made_once_when_the_api_starts(tmp_path: Path) -> None:
    """One client per app (it caches the access token), reached by the WeChat route and the console."""
    app = create_app(make_settings(tmp_path))
    assert getattr(app.state, "wechat_delivery", None) is None
    with TestClient(app):
        delivery = app.state.wechat_delivery
        assert isinstance(delivery, WeChatDelivery) and delivery.configured
        request = Request({"type": "http", "app": app})
        assert get_delivery(request) is delivery and get_delivery(request) is delivery
