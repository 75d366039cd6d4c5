"""Handing a conversation to staff: on request once however often asked, and at once on danger."""

from __future__ import annotations

import pytest
from action_harness import Run, Turn
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from actions import runtime
from actions.handoff import ActionFlagDanger, ActionRequestHuman
from casebook.models import Case, CaseKind

pytestmark = pytest.mark.usefixtures("real_db", "real_consultant")


def test_asking_for_a_person_records_one_case_however_often_asked(turn: Turn, run: Run, engine: Engine) -> None:
    conversation = turn("转人工", "request_human", slots={"area": "劳动纠纷", "route": "faq"}, sender="resident-1")
    first, slots = run(ActionRequestHuman(), conversation)
    again, _ = run(ActionRequestHuman(), conversation)
    assert first[0]["response"] == "utter_handoff_recorded"
    assert first[0]["reference"] == again[0]["reference"]
    assert slots["handoff_reference"] == first[0]["reference"]
    with Session(engine) as session:
        cases = session.exec(select(Case)).all()
    assert len(cases) == 1
    assert (cases[0].kind, cases[0].area, cases[0].channel) == (CaseKind.handoff, "劳动纠纷", "rest")


def test_danger_advice_is_given_even_when_the_database_fails(
    turn: Turn, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = create_engine("sqlite:////nonexistent-dir/never.db")
    monkeypatch.setattr(runtime, "engine", lambda: broken)
    messages, _ = run(ActionFlagDanger(), turn("他拿刀要砍我", "emergency"))
    assert [m["response"] for m in messages] == ["utter_emergency"]


def test_danger_is_flagged_for_staff(turn: Turn, run: Run, engine: Engine) -> None:
    messages, _ = run(ActionFlagDanger(), turn("他正在打我", "emergency"))
    assert [m["response"] for m in messages] == ["utter_emergency", "utter_emergency_flagged"]
    with Session(engine) as session:
        assert session.exec(select(Case)).one().kind == CaseKind.danger


def test_a_question_inside_a_danger_message_is_taken_up_after_the_advice(turn: Turn, run: Run) -> None:
    messages, _ = run(ActionFlagDanger(), turn("他一喝酒就打我，孩子才一岁半，离婚的话孩子能跟我吗", "emergency"))
    assert [m["response"] for m in messages[:2]] == ["utter_emergency", "utter_emergency_flagged"]
    assert len(messages) == 3 and "人身安全保护令" in messages[2]["text"]  # whatever the verdict on the question
