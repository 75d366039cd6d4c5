"""Status and cancellation by reference + phone: verified, recorded, locked after misses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from rasa_sdk import Tracker
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from actions.forms.status import ActionCancelBooking, ActionCheckStatus
from casebook.models import Booking, BookingStatus, Case, CaseCreate, CaseKind, CaseStatus, LookupAttempt
from casebook.services.applications import SlotRequest, submit_application
from casebook.settings import get_settings

Turn = Callable[..., Tracker]
Run = Callable[..., tuple[list[dict[str, Any]], dict[str, Any]]]
PHONE = "13800138000"
START = datetime(2030, 3, 4, 9, 0)


def submitted(engine: Engine, kind: CaseKind, booked: bool) -> str:
    data = CaseCreate(kind=kind, conversation_id="web-owner", applicant_name="王秀兰", phone=PHONE, details={})
    slot = SlotRequest("lawyer-zhou", START, START + timedelta(minutes=30)) if booked else None
    with Session(engine) as session:
        case, _ = submit_application(session, data=data, slot=slot)
        return case.reference


@pytest.fixture
def limits(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = get_settings().model_copy(
        update={"lookup_max_failures_per_conversation": 3, "lookup_max_failures_per_client": 5}
    )
    monkeypatch.setattr("actions.forms.lookups.get_settings", lambda: settings)


def slots(reference: str, phone: str = PHONE, **more: Any) -> dict[str, Any]:
    return {"status_reference": reference, "status_phone": phone, **more}


def test_a_live_booking_found_by_its_owner_can_be_cancelled_and_staff_see_it(
    turn: Turn, run: Run, real_db: Engine
) -> None:
    reference = submitted(real_db, CaseKind.lawyer, booked=True)
    messages, found = run(ActionCheckStatus(), turn(reference, "check_status", slots=slots(reference)))
    assert reference in messages[0]["text"] and found == {"status_verified": reference}
    messages, _ = run(ActionCancelBooking(), turn("取消", "cancel_booking", slots=slots(reference, **found)))
    assert "已取消" in messages[0]["text"]
    with Session(real_db) as session:
        assert session.exec(select(Booking)).one().status == BookingStatus.cancelled
        assert [a.found for a in session.exec(select(LookupAttempt)).all()] == [True, True]


def test_a_cancel_carrying_its_own_phone_without_a_lookup_cancels_nothing(
    turn: Turn, run: Run, real_db: Engine
) -> None:
    # Review H1-5: the phone slot filled by `/cancel_booking{"phone": …}`, the lookup never run.
    reference = submitted(real_db, CaseKind.lawyer, booked=True)
    messages, _ = run(ActionCancelBooking(), turn("/cancel_booking", "cancel_booking", slots=slots(reference)))
    assert messages[0]["buttons"][0]["payload"] == "/check_status"
    with Session(real_db) as session:
        assert session.exec(select(Booking)).one().status == BookingStatus.booked


def test_a_mediation_case_is_never_closed_by_the_bot(turn: Turn, run: Run, real_db: Engine) -> None:
    reference = submitted(real_db, CaseKind.mediation, booked=False)
    messages, found = run(ActionCheckStatus(), turn(reference, "check_status", slots=slots(reference)))
    assert "buttons" not in messages[0] or not messages[0]["buttons"]
    assert found["status_verified"] is None
    forged = slots(reference, status_verified=reference)  # as if a lookup had found a booking
    messages, _ = run(ActionCancelBooking(), turn("/cancel_booking", "cancel_booking", slots=forged))
    assert messages[0]["response"] == "utter_cancel_refused"
    with Session(real_db) as session:
        assert session.exec(select(Case)).one().status == CaseStatus.new


def test_guessing_phones_locks_the_conversation_even_for_the_right_one(
    turn: Turn, run: Run, real_db: Engine, limits: None
) -> None:
    reference = submitted(real_db, CaseKind.lawyer, booked=True)
    for guess in ("13800000001", "13800000002", "13800000003"):
        messages, _ = run(ActionCheckStatus(), turn(guess, "check_status", slots=slots(reference, guess)))
        assert messages[0]["response"] == "utter_status_not_found"
    messages, _ = run(ActionCheckStatus(), turn(PHONE, "check_status", slots=slots(reference)))
    assert messages[0]["response"] == "utter_lookups_locked" and reference not in str(messages)


def test_a_cancel_once_lookups_are_locked_says_so_instead_of_sending_the_resident_round(
    turn: Turn, run: Run, real_db: Engine, limits: None
) -> None:
    reference = submitted(real_db, CaseKind.lawyer, booked=True)
    _, found = run(ActionCheckStatus(), turn(reference, "check_status", slots=slots(reference)))
    for guess in ("13800000001", "13800000002", "13800000003"):
        run(ActionCheckStatus(), turn(guess, "check_status", slots=slots(reference, guess)))
    messages, _ = run(ActionCancelBooking(), turn("取消", "cancel_booking", slots=slots(reference, **found)))
    assert messages[0]["response"] == "utter_lookups_locked" and "查询进度" not in str(messages)
    with Session(real_db) as session:
        assert session.exec(select(Booking)).one().status == BookingStatus.booked


def test_a_client_guessing_from_fresh_conversations_is_locked_too(
    turn: Turn, run: Run, real_db: Engine, limits: None
) -> None:
    reference = submitted(real_db, CaseKind.lawyer, booked=True)
    client = {"client": "c-0123456789abcdef"}
    for i in range(5):
        sender = f"web-{i:032d}"
        guess = f"1380000000{i}"
        run(
            ActionCheckStatus(),
            turn(guess, "check_status", slots=slots(reference, guess), sender=sender, metadata=client),
        )
    messages, _ = run(
        ActionCheckStatus(), turn(PHONE, "check_status", slots=slots(reference), sender="web-new", metadata=client)
    )
    assert messages[0]["response"] == "utter_lookups_locked"
    # Another client's lookup in its own conversation still works.
    messages, _ = run(ActionCheckStatus(), turn(PHONE, "check_status", slots=slots(reference), sender="web-other"))
    assert reference in messages[0]["text"]


def test_a_malformed_reference_or_phone_slot_is_not_looked_up(turn: Turn, run: Run, real_db: Engine) -> None:
    reference = submitted(real_db, CaseKind.lawyer, booked=True)
    for forged in (slots({"x": 1}), slots(reference, ["13800138000"]), slots(reference.lower())):  # type: ignore[arg-type]
        messages, _ = run(ActionCheckStatus(), turn("x", "check_status", slots=forged))
        assert messages == []
    with Session(real_db) as session:
        assert session.exec(select(LookupAttempt)).all() == []
