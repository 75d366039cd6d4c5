"""What a resident reads: safety first, then the answer, a choice, or an honest deferral, then services.

Used by the action server and by `make evaluate`, so both show residents the same first reply.
Every sentence comes from a reviewed entry, data/messages.yml or a quoted statute article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Literal
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, field_validator

from knowledge.datafile import DATA_DIR, load_yaml_model
from knowledge.entries import Citation, Entry, KnowledgeBase
from knowledge.matching import compact
from knowledge.offices import Offices
from knowledge.reading.cues import SafetyCue, ServiceCue
from knowledge.retrieval.articles import ArticleHit
from knowledge.verdict import Verdict

MESSAGES_FILE = DATA_DIR / "messages.yml"


class Button(BaseModel):
    title: str
    payload: str


class CitedText(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str = Field(min_length=10)
    citations: list[Citation] = Field(default_factory=list)


class ServiceOffer(CitedText):
    button: Button


class WageNote(CitedText):
    when: str  # a regular expression over the folded message (knowledge.matching.compact)

    @field_validator("when")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        re.compile(pattern)
        return pattern


class Deferral(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    intro: str
    area: str
    articles_heading: str
    next_steps: str


class Messages(BaseModel):
    citation_heading: str
    disclaimer: str
    no_confident_answer: str
    related_heading: str
    buttons: dict[str, Button]
    clarify_one: str
    clarify_one_none: Button
    clarify: str
    clarify_none: Button
    more_questions: str
    defer: Deferral
    quote_chars: int = Field(ge=40)
    safety: dict[SafetyCue, CitedText]
    services: dict[ServiceCue, ServiceOffer]
    wage_legal_aid: WageNote

    def cited_texts(self) -> list[tuple[str, CitedText]]:
        """Every text that cites statutes, named, for the test that checks each citation."""
        named: list[tuple[str, CitedText]] = [(f"safety.{cue}", text) for cue, text in self.safety.items()]
        named += [(f"services.{cue}", offer) for cue, offer in self.services.items()]
        return [*named, ("wage_legal_aid", self.wage_legal_aid)]


@cache
def load_messages(path: Path = MESSAGES_FILE) -> Messages:
    return load_yaml_model(Messages, path)


# answer: an entry answers the point; clarify: the resident picks among close entries; defer: none
# answers, said honestly; unsure: nothing in the message looks like a legal question we know.
ReplyKind = Literal["answer", "clarify", "defer", "unsure"]


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: list[Button] = field(default_factory=list)
    citations: list[str] = field(default_factory=list)  # 民法典第一千零七十七条
    entry_id: str | None = None
    area: str | None = None
    route: str | None = None  # the service the entry suggests, if any
    kind: ReplyKind = "answer"
    options: list[str] = field(default_factory=list)  # entry ids offered in a clarification

    def custom(self) -> dict[str, object]:
        """Structured extras for channels that can show them (links to each cited article)."""
        return {
            "citations": [{"label": label, "url": statute_url(label)} for label in self.citations],
            "entry_id": self.entry_id,
        }


def statute_url(label: str) -> str:
    return f"/statutes/view?cite={quote(label)}"  # a readable page (JSON at /api/statutes)


def _statute_names(citations: list[Citation]) -> str:
    return "、".join(f"《{c.law}》{c.article}" for c in citations)


def ask_button(entry: Entry) -> Button:
    """A button that asks the entry's first phrasing: pressed, it is answered like typed text."""
    return Button(title=entry.questions[0], payload=entry.questions[0])


def entry_reply(entry: Entry, offices: Offices, related: list[Entry] | None = None) -> Reply:
    """The entry's answer; `offices` gives the address and hours of the offices it names."""
    messages = load_messages()
    labels = [citation.label for citation in entry.citations]
    parts = [entry.answer.strip()]
    if entry.offices:  # addresses and hours from offices.yml, the one place they are kept
        parts.append("\n".join(f"· {offices.display(office)}" for office in entry.offices))
    if entry.citations:
        parts.append(messages.citation_heading + _statute_names(entry.citations))
    parts.append(messages.disclaimer)
    text = "\n\n".join(parts)
    buttons = [*(ask_button(other) for other in related or []), messages.buttons["handoff"]]
    return Reply(text, buttons, labels, entry.id, entry.area, entry.route)


def unsure_reply() -> Reply:
    """Nothing in the message looks like a question the knowledge base is about."""
    messages = load_messages()
    return Reply(messages.no_confident_answer, [messages.buttons["lawyer"], messages.buttons["handoff"]], kind="unsure")


def clarify_reply(options: list[Entry]) -> Reply:
    messages = load_messages()
    buttons = [ask_button(entry) for entry in options]
    if len(options) == 1:
        text, way_out = messages.clarify_one.format(question=options[0].questions[0]), messages.clarify_one_none
    else:
        choices = "\n".join(f"{number}. {entry.questions[0]}" for number, entry in enumerate(options, start=1))
        text, way_out = messages.clarify.format(choices=choices), messages.clarify_none
    return Reply(text, [*buttons, way_out], kind="clarify", options=[entry.id for entry in options])


def defer_reply(area: str | None, articles: list[ArticleHit]) -> Reply:
    """No entry answers the point: the area, the closest articles quoted, and the ways to a person."""
    messages = load_messages()
    parts = [messages.defer.intro]
    if area:
        parts.append(messages.defer.area.format(area=area))
    if articles:
        quoted = [f"《{hit.article.law}》{hit.article.number}：{_excerpt(hit.article.text)}" for hit in articles]
        parts.append(messages.defer.articles_heading + "\n" + "\n".join(quoted))
    parts.append(messages.defer.next_steps)
    return Reply(
        "\n\n".join(parts),
        [messages.buttons["lawyer"], messages.buttons["handoff"]],
        [hit.article.label for hit in articles],
        area=area,
        kind="defer",
    )


def _excerpt(article_text: str) -> str:
    limit = load_messages().quote_chars
    body = article_text.split(maxsplit=1)[-1].replace("\n", " ")  # without the 第N条 it starts with
    return body if len(body) <= limit else body[:limit] + "……"


def reply_for(
    kb: KnowledgeBase, offices: Offices, verdict: Verdict, area: str | None, articles: list[ArticleHit]
) -> Reply:
    if verdict.kind == "answer":
        best, *others = verdict.candidates
        return entry_reply(kb.get(best.entry_id), offices, [kb.get(c.entry_id) for c in others[:3]])
    if verdict.kind == "clarify":
        return clarify_reply([kb.get(entry_id) for entry_id in verdict.entry_ids])
    return defer_reply(area, articles)


def with_more_questions(reply: Reply, entries: list[Entry]) -> Reply:
    """The message asked more than one thing: the others' answers as buttons under the main reply."""
    shown = {reply.entry_id, *reply.options}
    new = {entry.id: entry for entry in entries if entry.id not in shown}  # each entry once
    if not new:
        return reply
    buttons = [ask_button(entry) for entry in new.values()]
    text = reply.text + "\n\n" + load_messages().more_questions
    return replace(reply, text=text, buttons=[*buttons, *(b for b in reply.buttons if b not in buttons)])


def with_cues(reply: Reply, message: str, safety: list[SafetyCue], services: list[ServiceCue]) -> Reply:
    """Safety advice before the reply; the services the story calls for after it, as buttons."""
    messages = load_messages()
    if "violence" in safety:  # violence is a matter for the police and the courts, not mediation
        services = [cue for cue in services if cue != "mediation"]
    before = [messages.safety[cue] for cue in safety]
    after: list[CitedText] = [messages.services[cue] for cue in services]
    if "legal_aid" in services and re.search(messages.wage_legal_aid.when, compact(message)):
        after.append(messages.wage_legal_aid)
    if not before and not after:
        return reply
    text = "\n\n".join([*safety_paragraphs(safety), reply.text, *(_with_sources(t) for t in after)])
    offered = [messages.services[cue].button for cue in services]
    buttons = offered + [b for b in reply.buttons if b not in offered]
    extra = [c.label for t in [*before, *after] for c in t.citations]
    citations = list(dict.fromkeys([*reply.citations, *extra]))
    return replace(reply, text=text, buttons=buttons, citations=citations)


def safety_paragraphs(safety: list[SafetyCue]) -> list[str]:
    """The advice for each danger cue, with its articles: said before anything else."""
    messages = load_messages()
    return [_with_sources(messages.safety[cue]) for cue in safety]


def _with_sources(cited: CitedText) -> str:
    if not cited.citations:
        return cited.text
    return f"{cited.text}（依据：{_statute_names(cited.citations)}）"
