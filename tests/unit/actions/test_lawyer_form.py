"""Lawyer sessions: booked with a room link, contested slots, and a booking looked up and cancelled."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from action_harness import NOW, form_turn, responses, run_form
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from actions import runtime
from actions.forms import slots as bookable
from actions.forms.lawyer import ActionSubmitLawyer, ValidateLawyerForm, free_sessions
from actions.forms.status import ActionCancelBooking, ActionCheckStatus
from casebook.models import Booking, BookingStatus
from tests.unit.actions.form_answers import lawyer_filled

pytestmark = pytest.mark.usefixtures("real_db", "office_clock")


def test_a_lawyer_session_is_booked_with_a_room_link_and_how_to_cancel(engine: Engine) -> None:
    free = free_sessions(NOW, None, 1)[0]
    chosen = f"{free.adviser_id}@{free.start:%Y-%m-%dT%H:%M}"
    _, slots, _ = run_form(
        ValidateLawyerForm(),
        form_turn("lawyer_form", {"privacy_consent": True, "lawyer_topic": "欠薪"}, {"lawyer_slot": chosen}),
    )
    assert slots["lawyer_slot"] == chosen
    messages, _, _ = run_form(ActionSubmitLawyer(), form_turn(None, lawyer_filled(chosen)))
    receipt = messages[0]["custom"]["receipt"]
    with Session(engine) as session:
        booking = session.exec(select(Booking)).one()
    assert booking.resource_id == free.adviser_id and receipt["service"] == "预约律师远程咨询"
    # The room is the booking's own 128-bit token, not the reference printed on the receipt.
    assert booking.room is not None and re.fullmatch(r"[0-9a-f]{32}", booking.room)
    assert receipt["join_url"].endswith(booking.room) and receipt["reference"].lower() not in receipt["join_url"]
    assert booking.room in messages[1]["text"] and "取消预约" in messages[1]["text"]


def test_a_slot_someone_else_just_took_sends_the_resident_back_to_choose() -> None:
    free = free_sessions(NOW, None, 1)[0]
    chosen = f"{free.adviser_id}@{free.start:%Y-%m-%dT%H:%M}"
    run_form(ActionSubmitLawyer(), form_turn(None, lawyer_filled(chosen), sender="first"))
    messages, slots, events = run_form(
        ActionSubmitLawyer(), form_turn(None, lawyer_filled(chosen, "13500135000"), sender="second")
    )
    assert responses(messages) == ["utter_slot_taken"]
    assert slots == {"lawyer_slot": None, "form_confirmed": None}
    assert {"event": "followup", "name": "lawyer_form", "timestamp": None} in events
    assert free not in free_sessions(NOW, None, 100)


def test_a_time_outside_the_rosters_hours_is_refused() -> None:
    adviser = runtime.roster().advisers[0].id
    messages, slots, _ = run_form(
        ValidateLawyerForm(), form_turn("lawyer_form", {}, {"lawyer_slot": f"{adviser}@2030-03-04T03:00"})
    )
    assert responses(messages) == ["utter_invalid_slot"] and slots["lawyer_slot"] is None


def test_bookings_are_not_offered_in_the_past() -> None:
    assert all(s.start > NOW for s in free_sessions(NOW, None, 20))
    assert all(start > NOW for start in bookable.free_desk_slots(NOW, 20))
    assert bookable.free_desk_slots(NOW, 1)[0] < NOW + timedelta(days=3)


# --- status and cancellation -----------------------------------------------------------------


def test_status_is_shown_with_the_right_phone_and_a_booking_can_be_cancelled(engine: Engine) -> None:
    free = free_sessions(NOW, None, 1)[0]
    chosen = f"{free.adviser_id}@{free.start:%Y-%m-%dT%H:%M}"
    _, booked, _ = run_form(ActionSubmitLawyer(), form_turn(None, lawyer_filled(chosen)))
    reference = booked["submitted_reference"]
    messages, _slots, _ = run_form(
        ActionCheckStatus(), form_turn(None, {"status_reference": reference, "status_phone": "13600136000"})
    )
    assert reference in messages[0]["text"] and "等待工作人员受理" in messages[0]["text"]
    assert messages[0]["buttons"][0]["payload"] == "/cancel_booking"
    messages, _, _ = run_form(
        ActionCancelBooking(),
        form_turn(None, {"status_reference": reference, "status_phone": "13600136000", **_slots}),
    )
    assert "已取消" in messages[0]["text"]
    with Session(engine) as session:
        assert session.exec(select(Booking)).one().status == BookingStatus.cancelled


def test_cancelling_without_a_lookup_asks_for_one_first() -> None:
    messages, _, _ = run_form(ActionCancelBooking(), form_turn(None, {}, text="取消预约", intent="cancel_booking"))
    assert messages[0]["buttons"][0]["payload"] == "/check_status"
