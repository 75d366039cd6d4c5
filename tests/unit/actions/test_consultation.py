"""Answering a legal question: with its statutes, honestly deferred (and logged for staff) when unknown."""

from __future__ import annotations

import pytest
from action_harness import Run, Turn
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from actions.consultation import ActionAnswerQuestion
from casebook.models import Case, KnowledgeGap

pytestmark = pytest.mark.usefixtures("real_db", "real_consultant")


def test_a_question_is_answered_with_its_statutes(turn: Turn, run: Run) -> None:
    messages, slots = run(ActionAnswerQuestion(), turn("老板拖了三个月工资不发", "consult"))
    assert "法律依据" in messages[0]["text"]
    assert messages[0]["custom"]["citations"]
    assert slots["area"] == "劳动纠纷" and slots["route"] == "faq"


def test_an_unanswerable_question_is_logged_as_a_gap_without_phone_numbers(
    turn: Turn, run: Run, engine: Engine
) -> None:
    messages, _ = run(ActionAnswerQuestion(), turn("帮我写篇作文，电话13812345678", "nlu_fallback"))
    assert "12348" in messages[0]["text"]
    with Session(engine) as session:
        gap = session.exec(select(KnowledgeGap)).one()
    assert "13812345678" not in gap.question and "138****5678" in gap.question


def test_asking_a_question_instead_of_answering_the_contact_offer_lets_it_lapse(turn: Turn, run: Run) -> None:
    _, slots = run(ActionAnswerQuestion(), turn("离婚冷静期是多少天", "consult", slots={"contact_offered": True}))
    assert "contact_offered" in slots and slots["contact_offered"] is None


def test_a_near_deadline_gets_its_advice_first_but_opens_no_danger_case(turn: Turn, run: Run, engine: Engine) -> None:
    messages, _ = run(ActionAnswerQuestion(), turn("明天就开庭了，我还没找到律师，怎么准备", "consult"))
    assert messages[0]["text"].startswith("【期限很近】")
    with Session(engine) as session:
        assert session.exec(select(Case)).all() == []
