"""Moving through any service form: consent, answers checked, the summary, corrections, stopping, danger."""

from __future__ import annotations

import pytest
from action_harness import form_turn, responses, run_form
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from actions.forms.checked import CHECKED_SLOT
from actions.forms.control import ActionAskFormConfirmed, ActionCorrectForm, ActionStopForm
from actions.forms.mediation import ActionSubmitMediation, ValidateMediationForm
from actions.handoff import ActionFlagDanger
from casebook.models import Case, CaseKind
from tests.unit.actions.form_answers import mediation_filled

pytestmark = pytest.mark.usefixtures("real_db", "office_clock")


# --- consent ---------------------------------------------------------------------------------


def test_refusing_consent_ends_the_form_kindly_and_collects_nothing(engine: Engine) -> None:
    messages, slots, _ = run_form(
        ValidateMediationForm(), form_turn("mediation_form", {}, {"privacy_consent": False}, intent="deny")
    )
    assert responses(messages) == ["utter_consent_refused"]
    assert slots["requested_slot"] is None  # the form is over
    messages, slots, _ = run_form(ActionSubmitMediation(), form_turn(None, {"privacy_consent": False}))
    assert messages == [] and slots == {"privacy_consent": None}
    with Session(engine) as session:
        assert session.exec(select(Case)).all() == []


def test_after_consent_the_form_asks_for_the_name() -> None:
    _, slots, _ = run_form(
        ValidateMediationForm(), form_turn("mediation_form", {}, {"privacy_consent": True}, intent="affirm")
    )
    assert slots == {
        "privacy_consent": True,
        "requested_slot": "applicant_name",
        CHECKED_SLOT: {"privacy_consent": True},
    }


# --- answers and the summary -----------------------------------------------------------------


def test_a_wrong_phone_number_is_asked_again_with_a_reason() -> None:
    known = {"privacy_consent": True, "applicant_name": "王秀兰"}
    messages, slots, _ = run_form(
        ValidateMediationForm(), form_turn("mediation_form", known, {"applicant_phone": "12345"})
    )
    assert responses(messages) == ["utter_invalid_phone"]
    assert slots["applicant_phone"] is None and slots["requested_slot"] == "applicant_phone"


def test_the_summary_lists_every_answer_in_words() -> None:
    messages, _, _ = run_form(ActionAskFormConfirmed(), form_turn("mediation_form", mediation_filled()))
    text = messages[0]["text"]
    assert "王秀兰" in text and "13800138000" in text and "桃源镇杏花村" in text
    assert [b["title"] for b in messages[0]["buttons"]] == ["确认提交", "修改", "不办了"]


# --- correction, stop, danger ----------------------------------------------------------------


def test_saying_the_phone_was_wrong_asks_for_it_again() -> None:
    _, slots, _ = run_form(
        ActionCorrectForm(),
        form_turn("mediation_form", mediation_filled(), text="电话填错了", intent="correct_previous"),
    )
    assert slots == {"form_confirmed": None, "applicant_phone": None, "requested_slot": "applicant_phone"}


def test_a_correction_with_the_new_number_takes_it_at_once() -> None:
    entity = [{"entity": "phone", "value": "13912345678"}]
    _, slots, _ = run_form(
        ActionCorrectForm(),
        form_turn(
            "mediation_form",
            mediation_filled(),
            text="电话填错了，是13912345678",
            intent="correct_previous",
            entities=entity,
        ),
    )
    assert slots["form_confirmed"] is None and slots["applicant_phone"] == "13912345678"
    assert slots[CHECKED_SLOT]["applicant_phone"] == "13912345678"  # checked by the correction itself


def test_an_unclear_correction_asks_which_answer_to_change() -> None:
    messages, slots, _ = run_form(
        ActionCorrectForm(),
        form_turn("mediation_form", mediation_filled(), text="刚才写错了", intent="correct_previous"),
    )
    assert slots == {}
    assert "王秀兰" not in messages[0]["text"] and any(b["title"] == "电话" for b in messages[0]["buttons"])


def test_stopping_keeps_the_answers_for_later() -> None:
    messages, slots, events = run_form(
        ActionStopForm(), form_turn("mediation_form", mediation_filled(), text="不办了", intent="stop")
    )
    assert responses(messages) == ["utter_form_stopped"]
    assert {"event": "active_loop", "name": None, "timestamp": None} in events
    assert slots == {"requested_slot": None}


@pytest.mark.usefixtures("quick_knowledge")
def test_danger_in_the_middle_of_a_form_leaves_the_form_and_gives_the_emergency_numbers() -> None:
    messages, _, events = run_form(
        ActionFlagDanger(),
        form_turn("legal_aid_form", {"privacy_consent": True}, text="他拿刀冲过来了", intent="emergency"),
    )
    assert responses(messages)[0] == "utter_emergency"
    assert {"event": "active_loop", "name": None, "timestamp": None} in events


def test_danger_written_into_a_form_answer_is_heard_first_and_flagged(engine: Engine) -> None:
    answer = "他刚才又动手打我了，我躲在邻居家"
    tracker = form_turn("mediation_form", {"privacy_consent": True}, {"dispute_summary": answer}, text=answer)
    messages, _, _ = run_form(ValidateMediationForm(), tracker)
    assert responses(messages)[0] == "utter_emergency"
    assert "人身安全保护令" in messages[1]["text"]
    assert "utter_emergency_flagged" in responses(messages)
    with Session(engine) as session:
        assert [c.kind for c in session.exec(select(Case)).all()] == [CaseKind.danger]
