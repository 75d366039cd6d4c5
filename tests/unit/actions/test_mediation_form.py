"""People's mediation intake: the dispute understood, matters it cannot take, the submitted case."""

from __future__ import annotations

import pytest
from action_harness import form_turn, responses, run_form
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from actions.forms.mediation import ActionSubmitMediation, ValidateMediationForm
from actions.forms.status import ActionCheckStatus
from casebook.models import Case
from tests.unit.actions.form_answers import MEDIATION, mediation_filled

pytestmark = pytest.mark.usefixtures("real_db", "office_clock")


def test_a_dispute_type_in_the_residents_words_is_understood() -> None:
    known = {k: MEDIATION[k] for k in ("privacy_consent", "applicant_name", "applicant_phone", "other_party")}
    messages, slots, _ = run_form(
        ValidateMediationForm(), form_turn("mediation_form", known, {"dispute_type": "邻居家漏水把我家淹了"})
    )
    assert messages == [] and slots["dispute_type"] is not None
    assert slots["requested_slot"] == "dispute_place"


def test_a_criminal_matter_is_not_taken_for_mediation_and_the_resident_is_told_where_to_go() -> None:
    known = {
        k: v
        for k, v in mediation_filled().items()
        if k not in ("dispute_summary", "mediation_request", "form_confirmed")
    }
    messages, slots, _ = run_form(
        ValidateMediationForm(),
        form_turn("mediation_form", known, {"dispute_summary": "他把我打成重伤住院了，想调解一下赔偿"}),
    )
    assert slots["mediation_excluded"] and slots["requested_slot"] is None
    assert "派出所" in messages[0]["text"] or "公安" in messages[0]["text"]


def test_a_mediation_intake_is_recorded_once_routed_to_a_committee_with_next_steps(engine: Engine) -> None:
    filled = mediation_filled()
    messages, slots, _ = run_form(ActionSubmitMediation(), form_turn(None, filled))
    assert messages[0]["text"].startswith("已提交")
    assert messages[0]["custom"]["receipt"] == {"reference": slots["submitted_reference"], "service": "人民调解申请"}
    assert "utter_mediation_next_steps" in responses(messages)
    assert slots["submitted_reference"].startswith("TJ") and slots["applicant_phone"] is None  # personal data cleared
    again, _, _ = run_form(ActionSubmitMediation(), form_turn(None, filled))
    assert "已经提交过" in again[0]["text"]
    with Session(engine) as session:
        case = session.exec(select(Case)).one()
    assert case.details["committee"] and case.details["dispute_place"] == "桃源镇杏花村"
    assert case.phone == "13800138000" and case.applicant_name == "王秀兰"


def test_status_with_a_wrong_phone_reveals_nothing() -> None:
    _, booked, _ = run_form(ActionSubmitMediation(), form_turn(None, mediation_filled()))
    messages, slots, _ = run_form(
        ActionCheckStatus(),
        form_turn(None, {"status_reference": booked["submitted_reference"], "status_phone": "13900000000"}),
    )
    assert responses(messages) == ["utter_status_not_found"]
    assert slots == {"status_reference": None, "status_phone": None, "status_verified": None}
