"""From the database to the answer: the action server's consultant answers from an entry within
seconds of its approval, and no longer once it is withdrawn, with no restart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from casebook_helpers import road_draft
from sqlalchemy.engine import Engine
from sqlmodel import Session

from actions.office_knowledge import REFRESH_SECONDS, OfficeKnowledge
from casebook import office_entries
from casebook.office_entries import OfficeEntry
from knowledge.consultant import Consultant
from knowledge.statutes import StatuteLibrary

NOW = datetime(2026, 12, 6, 6, 0, tzinfo=UTC)
ASKED = "修路占了我家自留地，补偿该找谁要"


@dataclass
class Ticks:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


def best(consultant: Consultant) -> str | None:
    hit = consultant.consult(ASKED).result.best
    return hit.entry_id if hit else None


def approved(engine: Engine, statutes: StatuteLibrary) -> str:
    with Session(engine) as session:
        entry = office_entries.draft_entry(session, draft=road_draft(), author="wang", library=statutes, now=NOW)
        office_entries.approve(
            session, entry=entry, approver="chen", library=statutes, now=NOW, today=date(2026, 12, 6)
        )
        session.commit()
        return entry.entry_id


def withdrawn(engine: Engine, entry_id: str) -> None:
    with Session(engine) as session:
        entry = session.get(OfficeEntry, int(entry_id.removeprefix("office-")))
        assert entry is not None
        office_entries.withdraw(session, entry=entry, by="chen", now=NOW + timedelta(days=1))
        session.commit()


def test_an_approved_entry_answers_after_the_next_look_and_a_withdrawn_one_no_longer(
    engine: Engine, statutes: StatuteLibrary, quick_consultant: Consultant
) -> None:
    ticks = Ticks()
    office = OfficeKnowledge(engine, quick_consultant, clock=ticks)
    office.refresh()
    assert best(quick_consultant) != "office-1"

    entry_id = approved(engine, statutes)
    office.refresh()  # looked a moment ago: not yet
    assert best(quick_consultant) != entry_id
    ticks.now += REFRESH_SECONDS
    office.refresh()
    assert best(quick_consultant) == entry_id

    withdrawn(engine, entry_id)
    ticks.now += REFRESH_SECONDS
    office.refresh()
    assert best(quick_consultant) != entry_id and entry_id not in quick_consultant.kb


def test_a_database_that_cannot_be_read_leaves_the_entries_as_they_were(
    engine: Engine, statutes: StatuteLibrary, quick_consultant: Consultant, caplog: pytest.LogCaptureFixture
) -> None:
    ticks = Ticks()
    office = OfficeKnowledge(engine, quick_consultant, clock=ticks)
    entry_id = approved(engine, statutes)
    office.refresh()
    engine.dispose()
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE office_entries")
    ticks.now += REFRESH_SECONDS
    office.refresh()
    assert best(quick_consultant) == entry_id
    assert "could not bring the office's knowledge entries up to date" in caplog.text
