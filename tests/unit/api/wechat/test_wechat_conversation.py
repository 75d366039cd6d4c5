"""A resident's messages, follows and menu clicks, and what the channel answers."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from wechat_harness import (
    ACCOUNT,
    CONVERSATION,
    OPENID,
    TEXTS,
    FakeRasa,
    post,
    reply_of,
    sample,
)

from api.security.conversation_ids import ConversationIds


def test_a_text_message_gets_the_bots_answer_as_a_passive_reply(client: TestClient, rasa: FakeRasa) -> None:
    reply = reply_of(post(client, sample("text", "欠条过期了还能要钱吗")))
    assert rasa.calls == [(CONVERSATION, "欠条过期了还能要钱吗")]
    assert reply["MsgType"] == "text" and reply["Content"] == "您好，这是答复。"
    assert reply["ToUserName"] == OPENID and reply["FromUserName"] == ACCOUNT


def test_rasa_knows_the_resident_by_a_keyed_hash_of_the_openid(client: TestClient, rasa: FakeRasa) -> None:
    reply_of(post(client, sample("text", "你好")))
    sender = rasa.calls[0][0]
    assert re.fullmatch(r"wechat-[0-9a-f]{32}", sender)
    assert OPENID not in sender and sender != ConversationIds(b"another-servers-secret-0123456789ab").wechat(OPENID)


def test_following_the_account_gets_a_welcome_with_numbered_services(client: TestClient, rasa: FakeRasa) -> None:
    welcome = reply_of(post(client, sample("subscribe")))["Content"]
    assert welcome.startswith(TEXTS.welcome) and "12348" in welcome
    assert "回复1：法律咨询" in welcome and "回复2：申请人民调解" in welcome
    assert rasa.calls == []
    reply_of(post(client, sample("text", "2", msg_id=7)))
    assert rasa.messages == ["/request_mediation"]


@pytest.mark.parametrize(("name", "kind"), [("image", "图片"), ("voice", "语音"), ("location", "位置")])
def test_media_and_places_get_a_polite_note_on_what_works(
    client: TestClient, rasa: FakeRasa, name: str, kind: str
) -> None:
    content = reply_of(post(client, sample(name)))["Content"]
    assert content == TEXTS.unsupported.format(kind=kind)
    assert "文字" in content and "12348" in content
    assert rasa.calls == []


def test_voice_that_wechat_recognised_is_a_question(client: TestClient, rasa: FakeRasa) -> None:
    reply_of(post(client, sample("voice_recognized", "离婚孩子归谁")))
    assert rasa.messages == ["离婚孩子归谁"]


def test_a_menu_click_sends_its_key_and_unknown_events_get_no_reply(client: TestClient, rasa: FakeRasa) -> None:
    reply_of(post(client, sample("click")))
    assert rasa.messages == ["/request_mediation"]
    unsubscribed = post(client, sample("unsubscribe"))
    assert unsubscribed.status_code == 200 and unsubscribed.text == "success"


def test_buttons_become_numbered_choices_that_a_number_picks(client: TestClient, rasa: FakeRasa) -> None:
    rasa.replies = [
        {"recipient_id": "x", "text": "可以申请人民调解。"},
        {
            "recipient_id": "x",
            "text": "需要我帮您办吗？",
            "buttons": [
                {"title": "申请调解", "payload": "/request_mediation"},
                {"title": "转人工", "payload": "/request_human"},
            ],
        },
        {"recipient_id": "x", "custom": {"citations": [{"label": "人民调解法第十七条", "url": "/api/statutes"}]}},
    ]
    content = reply_of(post(client, sample("text", "和邻居吵架了", msg_id=1)))["Content"]
    assert content == "可以申请人民调解。\n\n需要我帮您办吗？\n\n回复1：申请调解\n回复2：转人工"
    rasa.replies = [{"recipient_id": "x", "text": "好的。"}]
    reply_of(post(client, sample("text", "1", msg_id=2)))
    assert rasa.messages[-1] == "/request_mediation"
    # That reply had no buttons: "1" is plain text again, nothing stale is picked.
    reply_of(post(client, sample("text", "1", msg_id=3)))
    assert rasa.messages[-1] == "1"


def test_emoji_and_traditional_characters_pass_through(client: TestClient, rasa: FakeRasa) -> None:
    rasa.replies = [{"recipient_id": "x", "text": "別擔心😊，可以申請勞動仲裁。"}]
    reply = reply_of(post(client, sample("text", "我的僱主欠薪怎麼辦😭")))
    assert rasa.messages == ["我的僱主欠薪怎麼辦😭"]
    assert reply["Content"] == "別擔心😊，可以申請勞動仲裁。"


def test_reply_text_cannot_break_out_of_its_cdata(client: TestClient, rasa: FakeRasa) -> None:
    rasa.replies = [{"recipient_id": "x", "text": "a]]><MsgType>news</MsgType><x>\x07b"}]
    reply = reply_of(post(client, sample("text", "你好")))
    assert reply["MsgType"] == "text" and reply["Content"] == "a]]><MsgType>news</MsgType><x>b"


def test_empty_and_over_long_messages_are_answered_without_the_bot(client: TestClient, rasa: FakeRasa) -> None:
    assert reply_of(post(client, sample("text", "  ", msg_id=1)))["Content"] == TEXTS.empty_message
    long = reply_of(post(client, sample("text", "欠" * 201, msg_id=2)))["Content"]
    assert long == TEXTS.message_too_long.format(limit=200)
    assert rasa.calls == []


def test_a_bot_that_is_down_gets_a_chinese_note(client: TestClient, rasa: FakeRasa) -> None:
    rasa.down = True
    assert reply_of(post(client, sample("text", "你好")))["Content"] == TEXTS.dialogue_unavailable


def test_a_turn_that_answers_nothing_gets_a_chinese_note_not_silence(client: TestClient, rasa: FakeRasa) -> None:
    rasa.replies = []  # what Rasa answers when the action server is down
    assert reply_of(post(client, sample("text", "老板欠薪怎么办")))["Content"] == TEXTS.no_reply


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("/restart", "restart"),
        ("／RESTART", "RESTART"),
        ("\u200b /session_start", "session_start"),
        ('/greet{"area":{"x":1}}', 'greet{"area":{"x":1}}'),
        ("/emergency", "emergency"),
    ],
)
def test_typed_commands_reach_the_bot_as_words(client: TestClient, rasa: FakeRasa, typed: str, words: str) -> None:
    reply_of(post(client, sample("text", typed)))
    assert rasa.messages == [words]


def test_a_typed_payload_passes_only_when_the_bot_offered_that_button(client: TestClient, rasa: FakeRasa) -> None:
    reply_of(post(client, sample("text", "/affirm", msg_id=1)))  # nothing offered yet
    rasa.replies = [{"text": "信息对吗？", "buttons": [{"title": "对", "payload": "/affirm"}]}]
    reply_of(post(client, sample("text", "我叫王五", msg_id=2)))
    reply_of(post(client, sample("text", "/affirm", msg_id=3)))
    reply_of(post(client, sample("text", '/affirm{"phone":"13800138000"}', msg_id=4)))
    assert rasa.messages == ["affirm", "我叫王五", "/affirm", 'affirm{"phone":"13800138000"}']


def test_slashes_alone_are_an_empty_message(client: TestClient, rasa: FakeRasa) -> None:
    assert reply_of(post(client, sample("text", " ／/ ")))["Content"] == TEXTS.empty_message
    assert rasa.calls == []


def test_a_menu_key_the_welcome_does_not_offer_gets_the_welcome_not_the_bot(client: TestClient, rasa: FakeRasa) -> None:
    forged = sample("click").replace("/request_mediation", "/restart")
    content = reply_of(post(client, forged))["Content"]
    assert content.startswith(TEXTS.welcome) and "回复1：法律咨询" in content
    assert rasa.calls == []
