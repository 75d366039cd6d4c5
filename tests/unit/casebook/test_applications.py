"""Service applications in the database: one transaction, idempotent, slots held exactly once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from threading import Barrier

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from casebook.console_tables import AuditEntry
from casebook.models import Booking, BookingStatus, Case, CaseCreate, CaseKind, CaseStatus
from casebook.services.applications import (
    RESIDENT_ACTOR,
    SlotRequest,
    SlotTaken,
    TooManyBookings,
    cancel,
    lookup,
    submit_application,
    taken_slots,
)

START = datetime(2030, 3, 4, 9, 0)
SLOT = SlotRequest("lawyer-zhou", START, START + timedelta(minutes=30))


def lawyer_request(conversation_id: str = "c-1", topic: str = "工资被拖欠") -> CaseCreate:
    return CaseCreate(
        kind=CaseKind.lawyer,
        conversation_id=conversation_id,
        applicant_name="王秀兰",
        phone="13800138000",
        details={"topic": topic},
    )


def test_a_submission_writes_the_case_and_its_booking_together(session: Session) -> None:
    case, created = submit_application(session, data=lawyer_request(), slot=SLOT)
    assert created and case.reference.startswith("LS")
    booking = session.exec(select(Booking)).one()
    assert (booking.case_id, booking.resource_id, booking.start) == (case.id, "lawyer-zhou", START)
    assert case.details == {"topic": "工资被拖欠"}


def test_submitting_twice_creates_one_record(session: Session) -> None:
    first, _ = submit_application(session, data=lawyer_request(), slot=SLOT)
    again, created = submit_application(session, data=lawyer_request(), slot=SLOT)
    assert not created and again.reference == first.reference
    assert len(session.exec(select(Case)).all()) == 1
    assert len(session.exec(select(Booking)).all()) == 1


def test_a_different_application_in_the_same_conversation_is_a_new_record(session: Session) -> None:
    first, _ = submit_application(session, data=lawyer_request(topic="欠薪"))
    second, created = submit_application(session, data=lawyer_request(topic="离婚"))
    assert created and second.reference != first.reference


def test_a_taken_slot_is_refused_and_nothing_is_written(session: Session) -> None:
    submit_application(session, data=lawyer_request("c-1"), slot=SLOT)
    with pytest.raises(SlotTaken):
        submit_application(session, data=lawyer_request("c-2"), slot=SLOT)
    assert [c.conversation_id for c in session.exec(select(Case)).all()] == ["c-1"]


def test_fifty_residents_booking_one_slot_at_once_produce_exactly_one_booking(engine: Engine) -> None:
    barrier = Barrier(50)

    def book(n: int) -> str:
        with Session(engine) as own_session:
            barrier.wait()  # all fifty submit at the same moment
            try:
                submit_application(own_session, data=lawyer_request(f"c-{n}"), slot=SLOT)
            except SlotTaken:
                return "taken"
            return "booked"

    with ThreadPoolExecutor(max_workers=50) as pool:
        outcomes = list(pool.map(book, range(50)))
    assert outcomes.count("booked") == 1 and outcomes.count("taken") == 49
    with Session(engine) as check:
        assert len(check.exec(select(Booking)).all()) == 1
        assert len(check.exec(select(Case)).all()) == 1


def test_status_is_shown_only_with_the_phone_number_given(session: Session) -> None:
    case, _ = submit_application(session, data=lawyer_request())
    assert lookup(session, reference=case.reference.lower(), phone="138 0013 8000") == case
    assert lookup(session, reference=case.reference, phone="13900139000") is None
    assert lookup(session, reference="LS-XXXX-XXXX", phone="13800138000") is None


def test_cancelling_frees_the_slot_for_the_next_resident(session: Session) -> None:
    case, _ = submit_application(session, data=lawyer_request("c-1"), slot=SLOT)
    assert ("lawyer-zhou", START) in taken_slots(session, after=START - timedelta(days=1))
    cancelled = cancel(session, reference=case.reference, phone="13800138000")
    assert cancelled is not None and cancelled.status == CaseStatus.closed
    assert session.exec(select(Booking)).one().status == BookingStatus.cancelled
    assert taken_slots(session, after=START - timedelta(days=1)) == set()
    other, created = submit_application(session, data=lawyer_request("c-2"), slot=SLOT)
    assert created and other.reference != case.reference


def test_cancelling_needs_the_right_phone(session: Session) -> None:
    case, _ = submit_application(session, data=lawyer_request(), slot=SLOT)
    assert cancel(session, reference=case.reference, phone="13900000000") is None
    assert session.exec(select(Booking)).one().status == BookingStatus.booked


def test_handoffs_are_not_service_applications(session: Session) -> None:
    with pytest.raises(ValueError):
        submit_application(session, data=CaseCreate(kind=CaseKind.handoff, conversation_id="c-1"))


def test_a_case_without_a_live_booking_cannot_be_cancelled_by_a_resident(session: Session) -> None:
    mediation = CaseCreate(kind=CaseKind.mediation, conversation_id="c-1", phone="13800138000")
    case, _ = submit_application(session, data=mediation)
    assert cancel(session, reference=case.reference, phone="13800138000") is None
    session.refresh(case)
    assert case.status == CaseStatus.new and case.open_key is not None


def test_a_cancelled_booking_cannot_be_cancelled_again(session: Session) -> None:
    case, _ = submit_application(session, data=lawyer_request(), slot=SLOT)
    assert cancel(session, reference=case.reference, phone="13800138000") is not None
    assert cancel(session, reference=case.reference, phone="13800138000") is None


def test_a_residents_cancellation_is_in_the_audit_log_without_their_data(session: Session) -> None:
    case, _ = submit_application(session, data=lawyer_request(), slot=SLOT)
    cancel(session, reference=case.reference, phone="13800138000")
    entry = session.exec(select(AuditEntry)).one()
    assert (entry.action, entry.case_reference, entry.actor) == ("resident_cancel", case.reference, RESIDENT_ACTOR)
    assert entry.detail["from"] == "new" and entry.detail["to"] == "closed"
    assert "13800138000" not in str(entry.model_dump()) and "王秀兰" not in str(entry.model_dump())


def test_each_booking_gets_its_own_random_room(session: Session) -> None:
    submit_application(session, data=lawyer_request("c-1"), slot=SLOT)
    later = SlotRequest("lawyer-zhou", START + timedelta(hours=1), START + timedelta(hours=1, minutes=30))
    submit_application(session, data=lawyer_request("c-2", "另一件事"), slot=later)
    rooms = [b.room for b in session.exec(select(Booking)).all()]
    assert len(set(rooms)) == 2 and all(room and len(room) == 32 for room in rooms)


def test_one_phone_holds_only_a_few_live_bookings(session: Session) -> None:
    def book(hour: int) -> None:
        slot = SlotRequest("lawyer-zhou", START + timedelta(hours=hour), START + timedelta(hours=hour, minutes=30))
        submit_application(
            session, data=lawyer_request(f"c-{hour}", f"事情{hour}"), slot=slot, max_bookings=2, now=START
        )

    book(0)
    book(1)
    with pytest.raises(TooManyBookings):
        book(2)
    assert len(session.exec(select(Booking)).all()) == 2
    # A past booking does not count.
    submit_application(
        session,
        data=lawyer_request("c-9", "再约"),
        slot=SlotRequest("lawyer-zhou", START + timedelta(days=1), START + timedelta(days=1, minutes=30)),
        max_bookings=2,
        now=START + timedelta(hours=2),
    )
