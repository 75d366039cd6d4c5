"""WeChat turns show on /metrics as the web page's do, under their own channel."""

from __future__ import annotations

from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from wechat_harness import FakeRasa, post, reply_of, sample


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_a_wechat_message_is_a_timed_wechat_turn(client: TestClient, rasa: FakeRasa) -> None:
    turns, timed = (
        value("assistant_turns_total", channel="wechat"),
        value("assistant_turn_seconds_count", channel="wechat"),
    )
    reply_of(post(client, sample("text", "欠条过期了还能要钱吗")))
    assert value("assistant_turns_total", channel="wechat") == turns + 1
    assert value("assistant_turn_seconds_count", channel="wechat") == timed + 1


def test_a_wechat_turn_that_says_nothing_is_an_empty_reply_error(client: TestClient, rasa: FakeRasa) -> None:
    rasa.replies = []
    before = value("assistant_errors_total", kind="empty_reply")
    reply_of(post(client, sample("text", "老板欠薪怎么办")))
    assert value("assistant_errors_total", kind="empty_reply") == before + 1
