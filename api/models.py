"""Database tables: cases handed to staff, and questions the knowledge base could not answer."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel


def utc_now() -> datetime:
    return datetime.now(UTC)


class CaseKind(StrEnum):
    handoff = "handoff"  # the resident asked for a person
    danger = "danger"  # the resident may be in danger: staff must look at once


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
    best_entry_id: str | None = Field(default=None, max_length=100)
    best_score: float | None = None
    created_at: datetime = Field(default_factory=utc_now)
