"""The channel's settings and texts, and the bot's replies as WeChat text."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from wechat_harness import (
    AES_KEY,
    APP_ID,
    TEXTS,
)

from api.channels.wechat_replies import compose, pick_choice, split_text
from api.channels.wechat_texts import Choice, WeChatTexts
from casebook.settings import PROJECT_ROOT, Settings


def test_welcome_choices_are_intents_the_bot_knows() -> None:
    intents: set[str] = set()
    for path in (PROJECT_ROOT / "bot" / "domain").glob("*.yml"):
        intents.update(str(i) for i in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("intents", []))
    for choice in TEXTS.welcome_choices:
        assert choice.payload.lstrip("/") in intents, choice


def test_choices_are_picked_by_full_width_digits_circled_digits_or_title() -> None:
    choices = [Choice(title="申请调解", payload="/request_mediation"), Choice(title="转人工", payload="/request_human")]
    assert pick_choice("１", choices) == "/request_mediation"
    assert pick_choice(" ② ", choices) == "/request_human"
    assert pick_choice("2.", choices) == "/request_human"
    assert pick_choice("转人工", choices) == "/request_human"
    assert pick_choice("3", choices) is None
    assert pick_choice("我要申请调解", choices) is None
    assert pick_choice("/request_human", choices) is None  # a payload typed is not a pick


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
