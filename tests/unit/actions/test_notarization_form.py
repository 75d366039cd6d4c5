"""Notarization: guidance for the matter named, and an appointment at the desk in opening hours."""

from __future__ import annotations

import pytest
from action_harness import NOW, form_turn, responses, run_form, validated
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from actions import runtime
from actions.forms import slots as bookable
from actions.forms.notarization import ActionSubmitNotarization, ValidateNotarizationForm
from casebook.models import Booking, Case

pytestmark = pytest.mark.usefixtures("real_db", "office_clock")


def test_naming_a_notarization_matter_gives_its_guidance() -> None:
    messages, slots, _ = run_form(
        ValidateNotarizationForm(), form_turn("notarization_form", {}, {"notary_matter": "我爸去世了，房子要过户给我"})
    )
    assert slots["notary_matter"] == runtime.notary().match("继承房产")[0].id
    assert "15个工作日" in messages[0]["text"] and slots["requested_slot"] == "notary_booking"


def test_a_matter_named_in_the_opening_message_is_not_asked_again() -> None:
    opening = form_turn("notarization_form", {}, text="遗嘱公证要带什么", intent="request_notarization")
    messages, slots, _ = run_form(ValidateNotarizationForm(), opening)
    assert slots["notary_matter"] == runtime.notary().match("遗嘱")[0].id
    assert "15个工作日" in messages[0]["text"] and slots["requested_slot"] == "notary_booking"


def test_an_opening_message_naming_no_matter_leaves_the_question_to_the_form() -> None:
    messages, slots, _ = run_form(ValidateNotarizationForm(), form_turn("notarization_form", {}, text="我想办个公证"))
    assert "notary_matter" not in slots and messages == []
    assert slots["requested_slot"] == "notary_matter"


def test_guidance_without_an_appointment_records_nothing(engine: Engine) -> None:
    matter = runtime.notary().matters[0].id
    _, slots, _ = run_form(
        ValidateNotarizationForm(),
        form_turn("notarization_form", {"notary_matter": matter}, {"notary_booking": False}, intent="deny"),
    )
    assert slots["requested_slot"] is None
    messages, _, _ = run_form(
        ActionSubmitNotarization(), form_turn(None, {"notary_matter": matter, "notary_booking": False})
    )
    assert responses(messages) == ["utter_notary_no_booking"]
    with Session(engine) as session:
        assert session.exec(select(Case)).all() == []


def test_a_notarization_appointment_is_booked_in_opening_hours(engine: Engine) -> None:
    matter = runtime.notary().matters[0].id
    known = {
        "notary_matter": matter,
        "notary_booking": True,
        "privacy_consent": True,
        "applicant_name": "赵敏",
        "applicant_phone": "13700137000",
    }
    first_free = bookable.free_desk_slots(NOW, 1)[0]
    _, slots, _ = run_form(
        ValidateNotarizationForm(), form_turn("notarization_form", known, {"notary_slot": "最近的空档"})
    )
    assert slots["notary_slot"] == f"{first_free:%Y-%m-%dT%H:%M}"
    messages, _, _ = run_form(
        ValidateNotarizationForm(), form_turn("notarization_form", known, {"notary_slot": "2030-03-04 03:00"})
    )
    assert responses(messages) == ["utter_invalid_slot"]  # the office is closed at 3 a.m.
    messages, _, _ = run_form(
        ActionSubmitNotarization(),
        form_turn(None, validated({**known, "notary_slot": slots["notary_slot"], "form_confirmed": True})),
    )
    assert "utter_notary_booked" in responses(messages)
    with Session(engine) as session:
        assert session.exec(select(Booking)).one().start == first_free
    assert first_free not in bookable.free_desk_slots(NOW, 50)
