"""Turn a retrieval result into the reply a resident reads: answer, statutes, disclaimer, next steps.

Used by the action server and by `make evaluate`, so both show residents the same first reply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import quote

import yaml
from pydantic import BaseModel

from knowledge.entries import Entry, KnowledgeBase
from knowledge.offices import Offices
from knowledge.retrieval.retriever import RetrievalResult

MESSAGES_FILE = Path(__file__).parent / "data" / "messages.yml"


class Button(BaseModel):
    title: str
    payload: str


class Messages(BaseModel):
    citation_heading: str
    disclaimer: str
    no_confident_answer: str
    related_heading: str
    buttons: dict[str, Button]


@cache
def load_messages(path: Path = MESSAGES_FILE) -> Messages:
    return Messages.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: list[Button] = field(default_factory=list)
    citations: list[str] = field(default_factory=list)  # 民法典第一千零七十七条
    entry_id: str | None = None
    area: str | None = None
    route: str | None = None  # the service the entry suggests, if any

    def custom(self) -> dict[str, object]:
        """Structured extras for channels that can show them (links to each cited article)."""
        return {
            "citations": [{"label": label, "url": statute_url(label)} for label in self.citations],
            "entry_id": self.entry_id,
        }


def statute_url(label: str) -> str:
    return f"/statutes/view?cite={quote(label)}"  # a readable page (JSON at /api/statutes)


@cache
def load_offices() -> Offices:
    return Offices.load()


def entry_reply(entry: Entry, related: list[Entry] | None = None) -> Reply:
    messages = load_messages()
    labels = [citation.label for citation in entry.citations]
    parts = [entry.answer.strip()]
    if entry.offices:  # addresses and hours from offices.yml, the one place they are kept
        parts.append("\n".join(f"· {load_offices().display(office)}" for office in entry.offices))
    if entry.citations:
        parts.append(messages.citation_heading + "、".join(f"《{c.law}》{c.article}" for c in entry.citations))
    parts.append(messages.disclaimer)
    text = "\n\n".join(parts)
    buttons = [Button(title=other.questions[0], payload=other.questions[0]) for other in related or []]
    buttons.append(messages.buttons["handoff"])
    return Reply(text, buttons, labels, entry.id, entry.area, entry.route)


def compose_reply(kb: KnowledgeBase, result: RetrievalResult, related_count: int = 3) -> Reply:
    """The answer to a consultation, or an honest 'not sure' with the human paths."""
    messages = load_messages()
    if not result.confident or result.best is None:
        return Reply(messages.no_confident_answer, [messages.buttons["lawyer"], messages.buttons["handoff"]])
    entry = kb.get(result.best.entry_id)
    related = [kb.get(hit.entry_id) for hit in result.hits[1 : 1 + related_count]]
    return entry_reply(entry, related)
