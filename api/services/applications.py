"""Submitting a service application (with its booked slot) in one transaction, and looking it up.

A submission is idempotent: the same conversation submitting the same data again (a double tap,
a channel retry) gets the record it already has. A slot is held by a partial unique index on
live bookings, so of many residents booking one slot at the same moment exactly one gets it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api.models import Booking, BookingStatus, Case, CaseCreate, CaseStatus
from api.services.cases import new_reference

logger = logging.getLogger(__name__)

_SERVICE_KINDS = {"mediation", "legal_aid", "notarization", "lawyer"}


@dataclass(frozen=True)
class SlotRequest:
    resource_id: str
    start: datetime
    end: datetime


class SlotTaken(Exception):
    """Someone else booked the slot first."""


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


def submit_application(session: Session, *, data: CaseCreate, slot: SlotRequest | None = None) -> tuple[Case, bool]:
    """Write the case (and its booking) in one transaction. Returns (case, created).

    Raises SlotTaken when the slot went to someone else; nothing is written then.
    """
    if data.kind.value not in _SERVICE_KINDS:
        raise ValueError(f"not a service application: {data.kind}")
    key = submission_key(data)
    existing = _find_by_key(session, key)
    if existing is not None:
        return existing, False
    for _attempt in range(5):
        case = Case.model_validate(data, update={"reference": new_reference(data.kind), "open_key": key})
        session.add(case)
        try:
            session.flush()
            if slot is not None:
                assert case.id is not None
                session.add(Booking(case_id=case.id, resource_id=slot.resource_id, start=slot.start, end=slot.end))
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
    """Cancel an application and free its slot; None when reference and phone do not match."""
    case = lookup(session, reference=reference, phone=phone)
    if case is None:
        return None
    booking = booking_of(session, case)
    if booking is not None and booking.status == BookingStatus.booked:
        booking.status = BookingStatus.cancelled
        session.add(booking)
    case.status, case.open_key = CaseStatus.closed, None
    session.add(case)
    session.commit()
    session.refresh(case)
    logger.info("cancelled application %s", case.reference)
    return case
