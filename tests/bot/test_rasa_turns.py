"""A turn Rasa already holds (a balancer's retry) is answered from the conversation: the bot
messages that followed that turn's user event, and only those."""

from __future__ import annotations

from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered

from scripts.rasa_turns import TURN_KEY, earlier_replies

EVENTS = [
    ActionExecuted("action_listen"),
    UserUttered("你好", metadata={TURN_KEY: "t1", "client": "c"}),
    BotUttered("您好！", data={"buttons": [{"title": "调解", "payload": "/request_mediation"}]}),
    ActionExecuted("action_listen"),
    UserUttered("老板拖欠工资怎么办", metadata={TURN_KEY: "t2"}),
    SlotSet("area", "劳动纠纷"),
    BotUttered("可以先找劳动监察……", data={"custom": {"citations": ["劳动合同法第三十条"]}}),
    BotUttered("还有别的问题吗？"),
    ActionExecuted("action_listen"),
    UserUttered("谢谢", metadata={TURN_KEY: "t3"}),
]


def test_the_replies_of_a_turn_already_held_are_those_that_followed_it() -> None:
    assert earlier_replies(EVENTS, "t2") == [
        {"text": "可以先找劳动监察……", "custom": {"citations": ["劳动合同法第三十条"]}},
        {"text": "还有别的问题吗？"},
    ]
    assert earlier_replies(EVENTS, "t1") == [
        {"text": "您好！", "buttons": [{"title": "调解", "payload": "/request_mediation"}]}
    ]


def test_a_turn_saved_without_a_reply_yet_is_held_with_no_replies() -> None:
    assert earlier_replies(EVENTS, "t3") == []


def test_a_new_turn_or_one_without_an_id_is_not_held() -> None:
    assert earlier_replies(EVENTS, "t4") is None
    assert earlier_replies([UserUttered("你好")], "t1") is None
