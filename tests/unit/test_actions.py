"""Custom actions run as the action server runs them, on a real database."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from actions import runtime
from actions.consultation import ActionAnswerQuestion
from actions.handoff import ActionFlagDanger, ActionRequestHuman
from actions.rating import ActionRecordRating
from casebook.models import Case, CaseKind, KnowledgeGap, Rating
from knowledge.consultant import Consultant


def tracker(text: str, intent: str, sender: str = "resident-1", slots: dict[str, Any] | None = None) -> Tracker:
    return Tracker(
        sender_id=sender,
        slots=slots or {},
        latest_message={"text": text, "intent": {"name": intent, "confidence": 0.99}, "entities": []},
        events=[{"event": "user", "text": text, "input_channel": "rest"}],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def run(action: Any, conversation: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, conversation, {}))
    return dispatcher.messages, events


@pytest.fixture(autouse=True)
def real_resources(monkeypatch: pytest.MonkeyPatch, engine: Engine, consultant: Consultant) -> None:
    monkeypatch.setattr(runtime, "engine", lambda: engine)
    monkeypatch.setattr(runtime, "consultant", lambda: consultant)


def test_asking_for_a_person_records_one_case_however_often_asked(engine: Engine) -> None:
    conversation = tracker("转人工", "request_human", slots={"area": "劳动纠纷", "route": "faq"})
    first, events = run(ActionRequestHuman(), conversation)
    again, _ = run(ActionRequestHuman(), conversation)
    assert first[0]["response"] == "utter_handoff_recorded"
    assert first[0]["reference"] == again[0]["reference"]
    assert {"event": "slot", "name": "handoff_reference", "value": first[0]["reference"], "timestamp": None} in events
    with Session(engine) as session:
        cases = session.exec(select(Case)).all()
    assert len(cases) == 1
    assert (cases[0].kind, cases[0].area, cases[0].channel) == (CaseKind.handoff, "劳动纠纷", "rest")


def test_danger_advice_is_given_even_when_the_database_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = create_engine("sqlite:////nonexistent-dir/never.db")
    monkeypatch.setattr(runtime, "engine", lambda: broken)
    messages, _ = run(ActionFlagDanger(), tracker("他拿刀要砍我", "emergency"))
    assert [m["response"] for m in messages] == ["utter_emergency"]


def test_danger_is_flagged_for_staff(engine: Engine) -> None:
    messages, _ = run(ActionFlagDanger(), tracker("他正在打我", "emergency"))
    assert [m["response"] for m in messages] == ["utter_emergency", "utter_emergency_flagged"]
    with Session(engine) as session:
        assert session.exec(select(Case)).one().kind == CaseKind.danger


def test_a_question_inside_a_danger_message_is_taken_up_after_the_advice(engine: Engine) -> None:
    messages, _ = run(ActionFlagDanger(), tracker("他一喝酒就打我，孩子才一岁半，离婚的话孩子能跟我吗", "emergency"))
    assert [m["response"] for m in messages[:2]] == ["utter_emergency", "utter_emergency_flagged"]
    assert len(messages) == 3 and "人身安全保护令" in messages[2]["text"]  # whatever the verdict on the question


def test_a_question_is_answered_with_its_statutes() -> None:
    messages, events = run(ActionAnswerQuestion(), tracker("老板拖了三个月工资不发", "consult"))
    assert "法律依据" in messages[0]["text"]
    assert messages[0]["custom"]["citations"]
    slots = {e["name"]: e["value"] for e in events}
    assert slots["area"] == "劳动纠纷" and slots["route"] == "faq"


def test_an_unanswerable_question_is_logged_as_a_gap_without_phone_numbers(engine: Engine) -> None:
    messages, _ = run(ActionAnswerQuestion(), tracker("帮我写篇作文，电话13812345678", "nlu_fallback"))
    assert "12348" in messages[0]["text"]
    with Session(engine) as session:
        gap = session.exec(select(KnowledgeGap)).one()
    assert "13812345678" not in gap.question and "138****5678" in gap.question


@pytest.mark.parametrize(
    ("text", "entities", "score"),
    [
        ('/rate{"rating":"3"}', [{"entity": "rating", "value": "3"}], 3),
        ("不满意", [], 1),
        ("一般吧", [], 2),
        ("非常满意", [], 3),
    ],
)
def test_a_rating_is_stored_for_the_statistics(
    engine: Engine, text: str, entities: list[dict[str, Any]], score: int
) -> None:
    conversation = tracker(text, "rate", slots={"route": "mediation"})
    conversation.latest_message["entities"] = entities
    messages, _ = run(ActionRecordRating(), conversation)
    assert messages[0]["response"] == "utter_thanks_for_rating"
    with Session(engine) as session:
        rating = session.exec(select(Rating)).one()
    assert (rating.score, rating.route) == (score, "mediation")


def test_asking_a_question_instead_of_answering_the_contact_offer_lets_it_lapse() -> None:
    _, events = run(ActionAnswerQuestion(), tracker("离婚冷静期是多少天", "consult", slots={"contact_offered": True}))
    assert {"event": "slot", "name": "contact_offered", "value": None, "timestamp": None} in events


def test_a_near_deadline_gets_its_advice_first_but_opens_no_danger_case(engine: Engine) -> None:
    messages, _ = run(ActionAnswerQuestion(), tracker("明天就开庭了，我还没找到律师，怎么准备", "consult"))
    assert messages[0]["text"].startswith("【期限很近】")
    with Session(engine) as session:
        assert session.exec(select(Case)).all() == []
