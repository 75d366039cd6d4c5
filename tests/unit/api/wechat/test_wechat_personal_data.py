"""The OpenID and the channel's secrets: where they are kept and where they never appear."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from wechat_harness import (
    API_BASE,
    APP_SECRET,
    CONVERSATION,
    OPENID,
    FakeRasa,
    FakeWeChatApi,
    make_settings,
    open_client,
    post,
    reply_of,
    sample,
    signed_query,
)

from api.channels.wechat import HideUrlSecrets, hide_url_secrets
from api.channels.wechat_recipients import WeChatRecipients
from api.channels.wechat_tables import WeChatRecipient


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
