"""The WeChat channel's fixtures: a stand-in bot, a fake WeChat API, and clients in plain and
encrypted mode (wechat_harness.py acts as the WeChat server)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from wechat_harness import (
    AES_KEY,
    APP_ID,
    TOKEN,
    FakeRasa,
    FakeWeChatApi,
    make_settings,
    open_client,
)
from wechatpy.crypto import WeChatCrypto


@pytest.fixture
def rasa() -> FakeRasa:
    return FakeRasa()


@pytest.fixture
def wechat_api() -> FakeWeChatApi:
    return FakeWeChatApi()


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
