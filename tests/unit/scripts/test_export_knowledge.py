"""make export-knowledge: the approved entries in a dated file, the export in the audit log."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from casebook import office_entries
from casebook.console_tables import AuditEntry
from casebook.entry_draft import EntryDraft
from knowledge.entries import EntryFile
from knowledge.statutes import StatuteLibrary
from scripts.export_knowledge import ACTOR, export

DRAFT = EntryDraft(
    area="拆迁安置",
    sub_area="修路占地补偿",
    questions=["村里修路占了我家的自留地", "修村道占了承包地不给钱", "集体修路占地给不给补偿", "修路占地补偿找谁"],
    answer="村里修路占用村民的自留地、承包地，应当给予补偿；经过依法征收的，应当及时足额支付土地补偿费、安置补助费和青苗补偿费。",
    citations=[{"law": "土地管理法", "article": "第四十八条", "keywords": ["补偿"]}],
)


def test_the_export_holds_the_approved_entries_only_and_is_audited(
    tmp_path: Path, engine: Engine, statutes: StatuteLibrary
) -> None:
    now = datetime(2026, 12, 6, 6, 0, tzinfo=UTC)
    with Session(engine) as session:
        live = office_entries.draft_entry(session, draft=DRAFT, author="wang", library=statutes, now=now)
        office_entries.draft_entry(session, draft=DRAFT, author="wang", library=statutes, now=now)  # stays a draft
        stamped = office_entries.approve(
            session, entry=live, approver="chen", library=statutes, now=now, today=date(2026, 12, 6)
        )
        session.commit()
    path, count = export(engine.url.render_as_string(hide_password=False), tmp_path, ZoneInfo("Asia/Shanghai"))
    assert count == 1 and path.parent == tmp_path and path.name.startswith("office-entries-")
    (entry,) = EntryFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8"))).entries
    assert entry == stamped
    with Session(engine) as session:
        (row,) = session.exec(select(AuditEntry).where(AuditEntry.action == "knowledge_export")).all()
    assert (row.actor, row.detail) == (ACTOR, {"entries": 1, "file": path.name})
