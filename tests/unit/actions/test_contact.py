"""A phone number given with a request for a person is kept on the case only after a yes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from actions import runtime
from actions.contact import ActionRecordContact, contact_in
from actions.handoff import ActionRequestHuman
from casebook.models import Case

HANDOFF = "我叫孙丽，电话136 1234 5678，我要转人工"


def conversation(*texts: str, intent: str, slots: dict[str, Any] | None = None) -> Tracker:
    return Tracker(
        sender_id="resident-7",
        slots=slots or {},
        latest_message={"text": texts[-1], "intent": {"name": intent, "confidence": 0.99}, "entities": []},
        events=[{"event": "user", "text": text, "input_channel": "rest"} for text in texts],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def run(action: Any, tracker: Tracker) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e["event"] == "slot"}


@pytest.fixture(autouse=True)
def real_database(monkeypatch: pytest.MonkeyPatch, engine: Engine) -> None:
    monkeypatch.setattr(runtime, "engine", lambda: engine)


@pytest.mark.parametrize(
    ("text", "name", "phone"),
    [
        (HANDOFF, "孙丽", "13612345678"),
        ("转人工 我手机15900001234", None, "15900001234"),
        ("我是王建国，座机0571-88886666，请工作人员联系", "王建国", "057188886666"),
    ],
)
def test_a_name_and_phone_are_read_from_the_message(text: str, name: str | None, phone: str) -> None:
    found = contact_in(text)
    assert found is not None and (found.name, found.phone) == (name, phone)


@pytest.mark.parametrize("text", ["转人工", "我要转人工，欠我12000元", "工号12345678901234"])
def test_no_phone_number_means_no_contact(text: str) -> None:
    assert contact_in(text) is None


def test_the_handoff_asks_before_keeping_the_number_and_stores_nothing_yet(engine: Engine) -> None:
    messages, slots = run(ActionRequestHuman(), conversation(HANDOFF, intent="request_human"))
    assert [m["response"] for m in messages] == ["utter_handoff_recorded", "utter_ask_contact_consent"]
    assert slots["contact_offered"] is True
    with Session(engine) as session:
        case = session.exec(select(Case)).one()
    assert case.phone is None and case.applicant_name is None


def test_a_yes_puts_the_name_and_number_on_the_case(engine: Engine) -> None:
    _, slots = run(ActionRequestHuman(), conversation(HANDOFF, intent="request_human"))
    agreed = conversation(HANDOFF, "/affirm", intent="affirm", slots={"handoff_reference": slots["handoff_reference"]})
    messages, after = run(ActionRecordContact(), agreed)
    assert [m["response"] for m in messages] == ["utter_contact_recorded"]
    assert after["contact_offered"] is None
    with Session(engine) as session:
        case = session.exec(select(Case)).one()
    assert (case.applicant_name, case.phone) == ("孙丽", "13612345678")


def test_a_no_keeps_the_case_free_of_personal_data(engine: Engine) -> None:
    _, slots = run(ActionRequestHuman(), conversation(HANDOFF, intent="request_human"))
    declined = conversation(HANDOFF, "不用了", intent="deny", slots={"handoff_reference": slots["handoff_reference"]})
    messages, _ = run(ActionRecordContact(), declined)
    assert [m["response"] for m in messages] == ["utter_contact_not_recorded"]
    with Session(engine) as session:
        assert session.exec(select(Case)).one().phone is None


def test_a_plain_handoff_asks_nothing_about_contact() -> None:
    messages, slots = run(ActionRequestHuman(), conversation("转人工", intent="request_human"))
    assert [m["response"] for m in messages] == ["utter_handoff_recorded"]
    assert "contact_offered" not in slots


def test_a_yes_given_later_to_something_else_stores_no_earlier_number(engine: Engine) -> None:
    _, slots = run(ActionRequestHuman(), conversation(HANDOFF, intent="request_human"))
    later = conversation(
        HANDOFF, "离婚冷静期是多少天", "好的", intent="affirm", slots={"handoff_reference": slots["handoff_reference"]}
    )
    messages, _ = run(ActionRecordContact(), later)
    assert [m["response"] for m in messages] == ["utter_contact_not_recorded"]
    with Session(engine) as session:
        assert session.exec(select(Case)).one().phone is None
