"""The office's approved entries as a YAML file in the shipped format, for the shared knowledge base.

`make export-knowledge` writes var/export/office-entries-<date>.yml. The file is read back with
the shipped schema before it is kept, so what leaves the office loads where it is going.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml

from knowledge.entries import Entry, EntryFile, KnowledgeBase

HEADER = (
    "# Entries written and approved at the office (法律服务助手 console), exported {on} for the shared\n"
    "# knowledge base. Ids are the office's own (office-N): rename them to the area's scheme when merging.\n"
)


def entries_yaml(entries: list[Entry], *, on: date) -> str:
    """The entries as knowledge/data/entries/*.yml holds them, review stamps included."""
    rows = [entry.model_dump(mode="json", exclude_defaults=True) for entry in entries]
    body = yaml.safe_dump({"entries": rows}, allow_unicode=True, sort_keys=False, width=1000)
    return HEADER.format(on=on.isoformat()) + body


def read_back(text: str) -> list[Entry]:
    """Load an export with the shipped schema (ids unique), as the shared knowledge base will."""
    entries = EntryFile.model_validate(yaml.safe_load(text)).entries
    KnowledgeBase(entries)  # refuses a duplicate id
    return entries


def export_entries(entries: list[Entry], directory: Path, *, on: date) -> Path:
    """Write office-entries-<date>.yml in `directory`, after checking it reads back unchanged."""
    text = entries_yaml(entries, on=on)
    if read_back(text) != entries:
        raise ValueError("the export does not read back as the entries it was made from")
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"office-entries-{on.isoformat()}.yml"
    path.write_text(text, encoding="utf-8")
    return path
