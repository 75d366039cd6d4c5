"""The office's own knowledge entries: written from a knowledge gap, approved by someone other than
their writer, answered from at once, withdrawn when they no longer hold.

An entry keeps the shipped schema's fields (knowledge/entries.py) in its columns, and its life:
draft → approved → withdrawn (a draft nobody should approve is withdrawn too). Beside the shipped
entries it is `office-<row id>`, an id no shipped entry takes. The functions here change rows and
leave the commit to the caller, so a step and its audit row are written together.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, update
from sqlmodel import Field, Session, SQLModel, col, func, select

from casebook.clock import utc_now
from casebook.entry_draft import ANSWER_CHARS, EntryDraft, draft_problems
from knowledge.authoring.citations import entry_problems
from knowledge.entries import Entry
from knowledge.statutes import StatuteLibrary

ID_PREFIX = "office-"


class EntryStatus(StrEnum):
    draft = "draft"
    approved = "approved"  # answered from
    withdrawn = "withdrawn"  # no longer answered from, kept for the record


class EntryRefused(Exception):
    """A step the rules do not allow; `code` names the console's message, `problems` say why."""

    def __init__(self, code: str, problems: list[str] | None = None):
        super().__init__(code)
        self.code = code
        self.problems = problems or []


class OfficeEntry(SQLModel, table=True):
    """One entry the office wrote, in whatever step of its life it is."""

    __tablename__ = "office_entries"

    id: int | None = Field(default=None, primary_key=True)
    status: EntryStatus = Field(default=EntryStatus.draft, index=True)
    area: str = Field(max_length=32)
    sub_area: str = Field(max_length=30)
    questions: list[str] = Field(sa_column=Column(JSON, nullable=False))
    answer: str = Field(max_length=ANSWER_CHARS[1])
    # Each as the shipped schema has it: {"law", "article", "keywords"}.
    citations: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    route: str | None = Field(default=None, max_length=32)
    # The knowledge gap (knowledge_gaps.id) the entry was written for, if any.
    gap_id: int | None = Field(default=None, index=True)
    # Console accounts by username, as the audit log names them.
    author: str = Field(max_length=32)
    approver: str | None = Field(default=None, max_length=32)
    withdrawn_by: str | None = Field(default=None, max_length=32)
    # Stamped at approval, as a reviewer of the shipped entries stamps them.
    reviewed_on: date | None = None
    relies_on: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utc_now)
    # Every step moves it: the action server looks at the latest one to see whether anything changed.
    updated_at: datetime = Field(default_factory=utc_now, index=True)
    approved_at: datetime | None = None
    withdrawn_at: datetime | None = None

    @property
    def entry_id(self) -> str:
        return f"{ID_PREFIX}{self.id}"

    def _written(self) -> dict[str, Any]:
        fields = ("area", "sub_area", "questions", "answer", "citations", "route")
        return {name: getattr(self, name) for name in fields}

    @property
    def fingerprint(self) -> str:
        """What the writer wrote, as a short digest: the approve form sends the one its reviewer
        read, so a draft edited meanwhile is not approved unread."""
        written = json.dumps(self._written(), ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(written.encode()).hexdigest()[:16]

    def draft(self) -> EntryDraft:
        """What the writer wrote, validated again as a draft."""
        return EntryDraft.model_validate(self._written())

    def as_entry(self) -> Entry:
        """The entry in the shipped schema, validated by it: what the assistant answers with."""
        if self.reviewed_on is None or self.approver is None:
            raise ValueError(f"{self.entry_id} has not been approved")
        review = {"reviewed_on": self.reviewed_on, "reviewed_by": self.approver, "relies_on": self.relies_on}
        return Entry.model_validate({"id": self.entry_id, **self._written(), **review})


def _columns(draft: EntryDraft) -> dict[str, Any]:
    return {**draft.model_dump(exclude={"citations"}), "citations": [c.model_dump() for c in draft.citations]}


def draft_entry(
    session: Session,
    *,
    draft: EntryDraft,
    author: str,
    library: StatuteLibrary,
    now: datetime,
    gap_id: int | None = None,
) -> OfficeEntry:
    """A new draft; refused while a citation has a problem (the form shows them as the writer types)."""
    if problems := draft_problems(draft, library):
        raise EntryRefused("citation_problems", problems)
    entry = OfficeEntry(**_columns(draft), author=author, gap_id=gap_id, created_at=now, updated_at=now)
    session.add(entry)
    session.flush()
    return entry


def edit_draft(
    session: Session, *, entry: OfficeEntry, draft: EntryDraft, editor: str, library: StatuteLibrary, now: datetime
) -> OfficeEntry:
    """The writer's own draft, rewritten; an approved entry is withdrawn and written anew instead."""
    if entry.status != EntryStatus.draft:
        raise EntryRefused("entry_not_draft")
    if entry.author != editor:
        raise EntryRefused("entry_not_yours")
    if problems := draft_problems(draft, library):
        raise EntryRefused("citation_problems", problems)
    entry.sqlmodel_update({**_columns(draft), "updated_at": now})
    session.add(entry)
    session.flush()
    return entry


def approve(
    session: Session,
    *,
    entry: OfficeEntry,
    approver: str,
    library: StatuteLibrary,
    now: datetime,
    today: date,
    read: str | None = None,
) -> Entry:
    """Approve a draft: by anyone but its writer, against the statute texts as shipped today.

    `read`: the fingerprint of the text the approver was shown; refused when the draft has changed
    since. Stamps the review as the shipped entries carry it: who (the approver's account), when,
    and the version of each cited text it read."""
    if entry.status != EntryStatus.draft:
        raise EntryRefused("entry_not_draft")
    if entry.author == approver:
        raise EntryRefused("own_draft")
    if read is not None and read != entry.fingerprint:
        raise EntryRefused("entry_changed")
    laws = sorted({str(citation["law"]) for citation in entry.citations})
    relies_on = {law: library.versions[law] for law in laws if law in library.versions}
    try:
        approved = entry.draft()
        stamped = Entry(
            id=entry.entry_id,
            **approved.model_dump(),
            reviewed_on=today,
            reviewed_by=approver,
            relies_on={law: date.fromisoformat(version) for law, version in relies_on.items()},
        )
    except ValueError as error:  # a text no longer shipped, or data the schema has since tightened
        raise EntryRefused("citation_problems", [str(error)]) from error
    if problems := entry_problems(stamped, library):
        raise EntryRefused("citation_problems", problems)
    changes = {"approver": approver, "reviewed_on": today, "relies_on": relies_on, "approved_at": now}
    _step(session, entry, EntryStatus.approved, changes, now)
    return stamped


def _step(session: Session, entry: OfficeEntry, to: EntryStatus, changes: dict[str, Any], now: datetime) -> None:
    """Move the entry on only from the status it was read in, in one statement: of two colleagues
    pressing at the same moment, the second is told it has already moved (no double approval)."""
    moved = session.execute(
        update(OfficeEntry)
        .where(col(OfficeEntry.id) == entry.id, col(OfficeEntry.status) == entry.status)
        .values(status=to, updated_at=now, **changes)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(entry)  # what a colleague made of it: that is what the refusal names
        raise EntryRefused("entry_withdrawn" if entry.status == EntryStatus.withdrawn else "entry_not_draft")
    session.refresh(entry)


def withdraw(session: Session, *, entry: OfficeEntry, by: str, now: datetime) -> None:
    """No longer answered from (an approved entry), or not to be approved (a draft)."""
    if entry.status == EntryStatus.withdrawn:
        raise EntryRefused("entry_withdrawn")
    _step(session, entry, EntryStatus.withdrawn, {"withdrawn_by": by, "withdrawn_at": now}, now)


def entries_with(session: Session, status: EntryStatus) -> list[OfficeEntry]:
    """Entries in one step of their life, the latest change first."""
    statement = select(OfficeEntry).where(OfficeEntry.status == status).order_by(col(OfficeEntry.updated_at).desc())
    return list(session.exec(statement).all())


def counts(session: Session) -> dict[EntryStatus, int]:
    """How many entries are in each step of their life."""
    rows = session.exec(select(OfficeEntry.status, func.count()).group_by(OfficeEntry.status)).all()
    found = {EntryStatus(status): int(count) for status, count in rows}
    return {status: found.get(status, 0) for status in EntryStatus}


def live_entries(session: Session) -> list[Entry]:
    """The approved entries, as the assistant answers with them, oldest first."""
    statement = select(OfficeEntry).where(OfficeEntry.status == EntryStatus.approved).order_by(col(OfficeEntry.id))
    return [entry.as_entry() for entry in session.exec(statement).all()]


def changes_marker(session: Session) -> tuple[int, datetime | None]:
    """Changes when any entry does (one cheap query): how many there are and the latest change."""
    count, latest = session.exec(select(func.count(), func.max(OfficeEntry.updated_at))).one()
    return int(count), latest


def written_for(session: Session, gap_ids: list[int]) -> dict[int, OfficeEntry]:
    """The entry (draft or live) already written for each of these gaps, so that two editors do not
    write up the same one; a withdrawn entry leaves its gap open again."""
    statement = select(OfficeEntry).where(
        col(OfficeEntry.gap_id).in_(gap_ids), col(OfficeEntry.status) != EntryStatus.withdrawn
    )
    return {entry.gap_id: entry for entry in session.exec(statement).all() if entry.gap_id is not None}
