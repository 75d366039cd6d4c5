"""make export-knowledge: the office's approved knowledge entries as a YAML file in the shipped
format (var/export/office-entries-<date>.yml), for the shared knowledge base. The file is read
back with the shipped schema before it is kept, and the export is written to the audit log."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session

from casebook import audit, office_entries
from casebook.clock import utc_now
from casebook.db import create_db_engine, init_db
from casebook.entry_export import export_entries
from casebook.settings import PROJECT_ROOT, get_settings

EXPORT_DIR = PROJECT_ROOT / "var" / "export"
ACTOR = "make export-knowledge"


def export(database_url: str, directory: Path, zone: ZoneInfo) -> tuple[Path, int]:
    """Write the export and its audit row; the file's path and how many entries it holds."""
    engine = create_db_engine(database_url)
    try:
        init_db(engine)
        with Session(engine) as session:
            entries = office_entries.live_entries(session)
            now = utc_now()
            path = export_entries(entries, directory, on=datetime.now(zone).date())
            detail = {"entries": len(entries), "file": path.name}
            audit.record(session, action="knowledge_export", at=now, actor=ACTOR, detail=detail)
    finally:
        engine.dispose()
    return path, len(entries)


def main() -> int:
    settings = get_settings()
    path, count = export(settings.database_url_absolute, EXPORT_DIR, ZoneInfo(settings.office_timezone))
    print(f"已导出 {count} 个本所知识条目：{path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
