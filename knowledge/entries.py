"""Knowledge-base entries: validated at load, one YAML file per area in data/entries/."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from knowledge.areas import known_area
from knowledge.datafile import DATA_DIR, load_yaml_model, unique_ids

ENTRIES_DIR = DATA_DIR / "entries"

Route = Literal["mediation", "legal_aid", "notarization", "lawyer"]


class Citation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    law: str = Field(min_length=1)
    article: str = Field(pattern=r"^第[零〇一二三四五六七八九十百千]+条(之[一二三四五六七八九十]+)?$")
    # Words that must appear in the article's text: the test that keeps citations honest.
    keywords: list[str] = Field(min_length=1)

    @property
    def label(self) -> str:
        return f"{self.law}{self.article}"


class Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    area: str
    sub_area: str = Field(min_length=1)
    questions: list[str] = Field(min_length=2)
    answer: str = Field(min_length=20)
    citations: list[Citation] = Field(default_factory=list)
    # Offices whose address, hours and phone the reply shows (from data/district/offices.yml,
    # the single source): for entries about where to go rather than what the law says.
    offices: list[str] = Field(default_factory=list)
    route: Route | None = None
    reviewed_on: date
    # Who read the entry against the article texts: a reviewer, never the entry's writer.
    reviewed_by: str = Field(min_length=1)
    # The version of each cited text the review read: when a text is replaced by a newer
    # version, the entries that rely on it are due for review (tests/unit/knowledge/test_knowledge_base.py).
    relies_on: dict[str, date] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _grounded(self) -> Entry:
        # A legal answer rests on statutes; only an office-information entry may cite none.
        if not self.citations and not self.offices:
            raise ValueError(f"{self.id}: an entry needs citations (or, for office information, offices)")
        cited = {citation.law for citation in self.citations}
        if set(self.relies_on) != cited:
            raise ValueError(f"{self.id}: relies_on must name exactly the cited texts {sorted(cited)}")
        return self

    _known_area = field_validator("area")(known_area)


class EntryFile(BaseModel):
    entries: list[Entry]


class KnowledgeBase:
    def __init__(self, entries: list[Entry]):
        unique_ids("knowledge-base", (entry.id for entry in entries))
        self.entries = entries
        self._by_id = {entry.id: entry for entry in entries}

    @classmethod
    def load(cls, directory: Path = ENTRIES_DIR) -> KnowledgeBase:
        entries: list[Entry] = []
        files = sorted(directory.glob("*.yml"))
        if not files:
            raise FileNotFoundError(f"no knowledge-base files in {directory}")
        for path in files:
            entries.extend(load_yaml_model(EntryFile, path).entries)
        return cls(entries)

    def get(self, entry_id: str) -> Entry:
        return self._by_id[entry_id]

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._by_id

    def __len__(self) -> int:
        return len(self.entries)

    def content_hash(self) -> str:
        """Hash of everything the retriever indexes, for the index manifest."""
        digest = hashlib.sha256()
        for entry in self.entries:
            digest.update(entry.model_dump_json(include={"id", "sub_area", "questions", "answer"}).encode())
        return digest.hexdigest()
