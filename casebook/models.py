"""Database tables: cases handed to staff, bookings of slots, and questions the KB could not answer."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import NaiveDatetime
from sqlalchemy import JSON, Column, Index, text
from sqlmodel import Field, SQLModel

from casebook.clock import utc_now


class CaseKind(StrEnum):
    handoff = "handoff"  # the resident asked for a person
    danger = "danger"  # the resident may be in danger: staff must look at once
    mediation = "mediation"  # a people's mediation intake
    legal_aid = "legal_aid"  # a legal-aid pre-check the resident asked to pass on
    notarization = "notarization"  # an appointment at the notarization assistance point
    lawyer = "lawyer"  # a remote session with a lawyer or legal adviser


class CaseStatus(StrEnum):
    new = "new"
    accepted = "accepted"
    in_progress = "in_progress"
    closed = "closed"
    not_accepted = "not_accepted"


class CaseBase(SQLModel):
    kind: CaseKind
    conversation_id: str = Field(index=True, max_length=128)
    channel: str = Field(default="web", max_length=32)
    area: str | None = Field(default=None, max_length=32)
    route: str | None = Field(default=None, max_length=32)
    # Personal data, collected only after the resident's consent; never logged in clear.
    applicant_name: str | None = Field(default=None, max_length=50)
    phone: str | None = Field(default=None, index=True, max_length=20)
    # What the service form collected and what the assistant concluded (committee, verdict, ...):
    # JSON shaped by the kind's model in casebook/case_details.py (stored_details / read_details).
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class CaseCreate(CaseBase):
    pass


class Case(CaseBase, table=True):
    __tablename__ = "cases"

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(unique=True, index=True, max_length=32)
    status: CaseStatus = Field(default=CaseStatus.new)
    # "kind:conversation" while the case is open, NULL once closed: a unique column that makes
    # a repeated request (double click, retry) find the open case instead of making another.
    open_key: str | None = Field(default=None, unique=True, max_length=200)
    created_at: datetime = Field(default_factory=utc_now)
    updated_at: datetime = Field(default_factory=utc_now)


class KnowledgeGap(SQLModel, table=True):
    """A question the retriever had no confident answer for, for staff to fill in."""

    __tablename__ = "knowledge_gaps"

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(index=True, max_length=128)
    question: str = Field(max_length=2000)  # phone and ID numbers masked before storing
    # The asking clause the assistant read as the resident's point (masked too): what to write an entry for.
    point: str | None = Field(default=None, max_length=500)
    best_entry_id: str | None = Field(default=None, max_length=100)
    best_score: float | None = None
    created_at: datetime = Field(default_factory=utc_now)


class BookingStatus(StrEnum):
    booked = "booked"
    cancelled = "cancelled"


class Booking(SQLModel, table=True):
    """A slot held for a case: a lawyer's session or an appointment at the notarization desk."""

    __tablename__ = "bookings"
    # One live booking per resource and start time, enforced by the database itself, so that
    # residents booking the same slot at the same moment cannot both get it. A cancelled
    # booking frees its slot.
    __table_args__ = (
        Index(
            "uq_bookings_live_slot",
            "resource_id",
            "start",
            unique=True,
            sqlite_where=text("status = 'booked'"),
            postgresql_where=text("status = 'booked'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="cases.id", index=True)
    resource_id: str = Field(max_length=64)  # an adviser's id, or the notarization desk
    # Wall-clock time at the office (the roster's hours), not UTC: naive on purpose.
    start: NaiveDatetime
    end: NaiveDatetime
    status: BookingStatus = Field(default=BookingStatus.booked)
    created_at: datetime = Field(default_factory=utc_now)
    # The video room of a remote session: its own random token, never the (printed) reference.
    room: str | None = Field(default=None, max_length=64)


class Rating(SQLModel, table=True):
    """How satisfied a resident was (满意 3, 一般 2, 不满意 1), for the office head's statistics."""

    __tablename__ = "ratings"

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(index=True, max_length=128)
    score: int = Field(ge=1, le=3)
    route: str | None = Field(default=None, max_length=32)  # what the conversation was about
    channel: str = Field(default="web", max_length=32)
    created_at: datetime = Field(default_factory=utc_now, index=True)


class LookupAction(StrEnum):
    status = "status"
    cancel = "cancel"


class LookupAttempt(SQLModel, table=True):
    """One lookup of a case by reference + phone, found or not: what the lockout counts, and a
    record for staff. The phone given is not kept; the client is the API's keyed hash of the
    address (None when the message did not come through the API)."""

    __tablename__ = "lookup_attempts"

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(index=True, max_length=128)
    client: str | None = Field(default=None, index=True, max_length=32)
    action: LookupAction
    reference: str = Field(max_length=32)  # as the resident gave it, normalised
    found: bool
    at: datetime = Field(default_factory=utc_now, index=True)
