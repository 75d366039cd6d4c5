"""The export for the shared knowledge base: the shipped format, read back by the shipped schema."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml
from casebook_helpers import road_draft
from sqlmodel import Session

from casebook import office_entries
from casebook.entry_export import export_entries, read_back
from knowledge.entries import Entry, EntryFile
from knowledge.statutes import StatuteLibrary

NOW = datetime(2026, 12, 6, 6, 0, tzinfo=UTC)


def approved(session: Session, statutes: StatuteLibrary, **changes: object) -> Entry:
    entry = office_entries.draft_entry(session, draft=road_draft(**changes), author="wang", library=statutes, now=NOW)
    stamped = office_entries.approve(
        session, entry=entry, approver="zhang", library=statutes, now=NOW, today=NOW.date()
    )
    session.commit()
    return stamped


def test_the_approved_entries_are_written_in_the_shipped_format_and_read_back_unchanged(
    tmp_path: Path, session: Session, statutes: StatuteLibrary
) -> None:
    entries = [approved(session, statutes), approved(session, statutes, sub_area="村道占地", route=None)]
    path = export_entries(office_entries.live_entries(session), tmp_path / "export", on=date(2026, 12, 6))
    assert path == tmp_path / "export" / "office-entries-2026-12-06.yml"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# ") and "村里修路占了我家的自留地" in text  # Chinese as written, not escaped
    loaded = EntryFile.model_validate(yaml.safe_load(text)).entries
    assert loaded == entries
    assert loaded[0].reviewed_by == "zhang" and loaded[0].relies_on
    assert "route" not in yaml.safe_load(text)["entries"][1]  # nothing the shipped files leave out


def test_an_export_with_a_duplicate_id_does_not_read_back(session: Session, statutes: StatuteLibrary) -> None:
    entry = approved(session, statutes)
    text = yaml.safe_dump({"entries": [entry.model_dump(mode="json")] * 2}, allow_unicode=True)
    with pytest.raises(ValueError, match="duplicate"):
        read_back(text)
