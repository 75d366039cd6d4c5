"""The legal-aid pre-check form: questions skipped by the law, the result, the case passed on."""

from __future__ import annotations

import pytest
from action_harness import domain, form_turn, responses, run_form, validated
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from actions import runtime
from actions.forms.legal_aid import ActionSubmitLegalAid, ValidateLegalAidForm
from casebook.models import Case, CaseKind

pytestmark = pytest.mark.usefixtures("real_db", "office_clock")


def wage_claim_up_to_income() -> dict[str, object]:
    """A resident claiming unpaid wages, no special status, no lawyer, three at home: next, the income."""
    return {
        "privacy_consent": True,
        "legal_aid_matter": runtime.legal_aid().match_matter("老板拖欠工资"),
        "legal_aid_status": "none",
        "has_lawyer": False,
        "household_size": 3,
    }


def test_a_negative_income_is_refused() -> None:
    known = wage_claim_up_to_income()
    messages, slots, _ = run_form(
        ValidateLegalAidForm(), form_turn("legal_aid_form", known, {"monthly_income": "负五元"})
    )
    assert responses(messages) == ["utter_invalid_income"]
    assert slots["monthly_income"] is None


def test_a_presumed_hardship_status_skips_the_income_questions() -> None:
    rules = runtime.legal_aid()
    status = next(iter(rules.match_statuses("我是低保户")))
    known = {
        "privacy_consent": True,
        "legal_aid_matter": rules.match_matter("老板拖欠工资"),
        "legal_aid_status": status,
    }
    _, slots, _ = run_form(
        ValidateLegalAidForm(), form_turn("legal_aid_form", known, {"has_lawyer": False}, intent="deny")
    )
    assert slots["requested_slot"] == "legal_aid_urgent"


def test_without_a_status_the_form_asks_about_the_household() -> None:
    known = {
        "privacy_consent": True,
        "legal_aid_matter": runtime.legal_aid().match_matter("老板拖欠工资"),
        "legal_aid_status": "none",
    }
    _, slots, _ = run_form(
        ValidateLegalAidForm(), form_turn("legal_aid_form", known, {"has_lawyer": False}, intent="deny")
    )
    assert slots["requested_slot"] == "household_size"


def test_the_precheck_result_comes_with_its_reasons_and_the_office_decides(engine: Engine) -> None:
    rules = runtime.legal_aid()
    known = {
        "privacy_consent": True,
        "legal_aid_matter": rules.match_matter("老板拖欠工资"),
        "legal_aid_status": "none",
        "has_lawyer": False,
        "household_size": 3,
        "monthly_income": "1500",
    }
    messages, slots, _ = run_form(
        ValidateLegalAidForm(), form_turn("legal_aid_form", known, {"legal_aid_urgent": "不紧急"})
    )
    assert slots["legal_aid_urgent"] == "none" and slots["requested_slot"] == "applicant_name"
    result_text = messages[0]["text"]
    assert "法律援助法" in result_text and "12348" in result_text
    filled = {
        **known,
        "legal_aid_urgent": "none",
        "applicant_name": "李建国",
        "applicant_phone": "13900139000",
        "form_confirmed": True,
    }
    messages, _, _ = run_form(ActionSubmitLegalAid(), form_turn(None, validated(filled)))
    assert messages[0]["text"].startswith("已提交") and "FY" in messages[0]["text"]
    with Session(engine) as session:
        case = session.exec(select(Case)).one()
    assert case.kind == CaseKind.legal_aid and case.details["verdict"] == "likely_eligible"
    assert case.details["matter"] == "请求支付劳动报酬（讨要工资）" and case.details["status"] == "无"


def test_the_last_answer_is_judged_without_writing_into_the_residents_tracker() -> None:
    known = {**wage_claim_up_to_income(), "monthly_income": "1500"}
    tracker = form_turn("legal_aid_form", known, {"legal_aid_urgent": "不紧急"})
    dispatcher = CollectingDispatcher()
    slots = ValidateLegalAidForm().validate_legal_aid_urgent("不紧急", dispatcher, tracker, domain())
    assert slots == {"legal_aid_urgent": "none"} and "法律援助法" in dispatcher.messages[0]["text"]
    assert tracker.slots["legal_aid_urgent"] == "不紧急"  # the answer goes back as the result only
