"""Submitting a service application (with its booked slot) in one transaction, and looking it up.

A submission is idempotent: the same conversation submitting the same data again (a double tap,
a channel retry) gets the record it already has. A slot is held by a partial unique index on
live bookings, so of many residents booking one slot at the same moment exactly one gets it.
One phone number holds only a few live bookings, so a script cannot book every slot.
A resident may cancel a live booking, nothing else; the cancellation is in the audit log.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from casebook import audit
from casebook.clock import utc_now
from casebook.models import Booking, BookingStatus, Case, CaseCreate, CaseStatus
from casebook.services.cases import new_reference

logger = logging.getLogger(__name__)

_SERVICE_KINDS = {"mediation", "legal_aid", "notarization", "lawyer"}


@dataclass(frozen=True)
class SlotRequest:
    resource_id: str
    start: datetime
    end: datetime


class SlotTaken(Exception):
    """Someone else booked the slot first."""


class TooManyBookings(Exception):
    """The phone number already holds as many live bookings as one resident may."""


# Who the audit log names for what a resident did through the assistant (never their data).
RESIDENT_ACTOR = "居民（自助）"


# A remote session's video room: 128 random bits in hex, unrelated to the reference.
ROOM = re.compile(r"[0-9a-f]{32}")


def room_token() -> str:
    return secrets.token_hex(16)


def meeting_url(booking: Booking | None, template: str) -> str | None:
    """The session's video room link (settings.meeting_url_template), for the resident's receipt
    and the lawyer's case page; None for a booking made before rooms had tokens."""
    if booking is None or not booking.room:
        return None
    return template.format(room=booking.room)


def live_bookings_of_phone(session: Session, *, phone: str, after: datetime) -> int:
    statement = (
        select(func.count())
        .select_from(Booking)
        .join(Case, col(Case.id) == col(Booking.case_id))
        .where(Case.phone == phone, Booking.status == BookingStatus.booked, Booking.start >= after)
    )
    return int(session.exec(statement).one())


def submission_key(data: CaseCreate) -> str:
    """Same conversation, same service, same content → same key (the unique `open_key`)."""
    content = json.dumps(
        {"name": data.applicant_name, "phone": data.phone, "details": data.details},
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    digest = hashlib.sha256(content.encode("utf-8")).hexdigest()[:24]
    return f"{data.kind.value}:{data.conversation_id}:{digest}"


def _find_by_key(session: Session, key: str) -> Case | None:
    return session.exec(select(Case).where(Case.open_key == key)).first()


def slot_is_taken(session: Session, slot: SlotRequest) -> bool:
    statement = select(Booking).where(
        Booking.resource_id == slot.resource_id,
        Booking.start == slot.start,
        Booking.status == BookingStatus.booked,
    )
    return session.exec(statement).first() is not None


def submit_application(
    session: Session,
    *,
    data: CaseCreate,
    slot: SlotRequest | None = None,
    max_bookings: int | None = None,
    now: datetime | None = None,
) -> tuple[Case, bool]:
    """Write the case (and its booking) in one transaction. Returns (case, created).

    Raises SlotTaken when the slot went to someone else, TooManyBookings when the phone already
    holds `max_bookings` live bookings starting after `now` (office time); nothing is written then.
    """
    if data.kind.value not in _SERVICE_KINDS:
        raise ValueError(f"not a service application: {data.kind}")
    key = submission_key(data)
    existing = _find_by_key(session, key)
    if existing is not None:
        return existing, False
    if slot is not None and max_bookings is not None and data.phone:
        held = live_bookings_of_phone(session, phone=data.phone, after=now or slot.start)
        if held >= max_bookings:
            raise TooManyBookings(data.kind.value)
    for _attempt in range(5):
        case = Case.model_validate(data, update={"reference": new_reference(data.kind), "open_key": key})
        session.add(case)
        try:
            session.flush()
            if slot is not None:
                assert case.id is not None
                booking = Booking(
                    case_id=case.id, resource_id=slot.resource_id, start=slot.start, end=slot.end, room=room_token()
                )
                session.add(booking)
            session.commit()
        except IntegrityError:
            session.rollback()
            existing = _find_by_key(session, key)
            if existing is not None:  # the same submission arrived twice at once
                return existing, False
            if slot is not None and slot_is_taken(session, slot):
                raise SlotTaken(slot.resource_id) from None
            continue  # the random reference collided: draw another
        session.refresh(case)
        logger.info("submitted %s application %s", case.kind.value, case.reference)
        return case, True
    raise RuntimeError("could not allocate a unique case reference")


def normalize_reference(reference: str) -> str:
    return re.sub(r"\s+", "", reference).upper()


def digits(phone: str) -> str:
    return re.sub(r"\D", "", phone)


def lookup(session: Session, *, reference: str, phone: str) -> Case | None:
    """A case by its reference, only when the phone number matches the one given with it."""
    case = session.exec(select(Case).where(Case.reference == normalize_reference(reference))).first()
    if case is None or not case.phone or digits(case.phone) != digits(phone):
        return None
    return case


def booking_of(session: Session, case: Case) -> Booking | None:
    statement = select(Booking).where(Booking.case_id == case.id).order_by(col(Booking.id).desc())
    return session.exec(statement).first()


def taken_slots(
    session: Session, *, after: datetime, resource_ids: Iterable[str] | None = None
) -> set[tuple[str, datetime]]:
    statement = select(Booking.resource_id, Booking.start).where(
        Booking.status == BookingStatus.booked, Booking.start >= after
    )
    if resource_ids is not None:
        statement = statement.where(col(Booking.resource_id).in_(list(resource_ids)))
    return {(resource_id, start) for resource_id, start in session.exec(statement).all()}


def cancel(session: Session, *, reference: str, phone: str) -> Case | None:
    """Cancel a live booking and close its case; None when reference and phone do not match or
    there is no live booking (a mediation or legal-aid case is for staff to close, not the bot).

    The audit log records it, so staff see who closed the case and why.
    """
    case = lookup(session, reference=reference, phone=phone)
    if case is None:
        return None
    booking = booking_of(session, case)
    if booking is None or booking.status != BookingStatus.booked:
        return None
    previous = case.status
    booking.status = BookingStatus.cancelled
    case.status, case.open_key, case.updated_at = CaseStatus.closed, None, utc_now()
    session.add(booking)
    session.add(case)
    audit.record(
        session,
        action="resident_cancel",
        at=utc_now(),
        actor=RESIDENT_ACTOR,
        case=case,
        detail={"from": previous.value, "to": CaseStatus.closed.value, "booking": booking.id},
        commit=False,
    )
    session.commit()
    session.refresh(case)
    logger.info("cancelled booking of %s", case.reference)
    return case
