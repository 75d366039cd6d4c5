"""The knowledge-entry form: what the writer typed, read into a draft or into the Chinese reasons
it is not one yet, and a draft written back into the form's fields."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pydantic import ValidationError

from casebook.entry_draft import EntryDraft
from knowledge.entries import Citation
from knowledge.statutes import normalize_article_number

# Rows of citation fields the form shows; empty rows are left out.
CITATION_ROWS = 4
_KEYWORD_SEPARATORS = re.compile(r"[、，,；;\s]+")


@dataclass(frozen=True)
class CitationRow:
    law: str = ""
    article: str = ""
    keywords: str = ""

    @property
    def empty(self) -> bool:
        return not (self.law or self.article or self.keywords)

    def citation(self) -> Citation:
        """The row as a citation; a ValidationError when a part is missing or malformed."""
        return Citation(law=self.law, article=article_number(self.article), keywords=keyword_list(self.keywords))


@dataclass(frozen=True)
class EntryForm:
    """The form's fields as typed (also what the page shows again when something is wrong)."""

    area: str = ""
    sub_area: str = ""
    questions: str = ""  # one per line
    answer: str = ""
    route: str = ""
    citations: list[CitationRow] = field(default_factory=list)

    @classmethod
    def of(cls, draft: EntryDraft) -> EntryForm:
        rows = [CitationRow(c.law, c.article, "、".join(c.keywords)) for c in draft.citations]
        return cls(draft.area, draft.sub_area, "\n".join(draft.questions), draft.answer, draft.route or "", rows)

    def rows(self) -> list[CitationRow]:
        """The citation rows to show: those typed, then empty ones up to CITATION_ROWS."""
        typed = [row for row in self.citations if not row.empty]
        return typed + [CitationRow()] * max(0, CITATION_ROWS - len(typed))

    def draft(self) -> EntryDraft | list[str]:
        """The draft, or the names of the fields that are not right (at most once each, in form order)."""
        wrong: list[str] = []
        citations: list[Citation] = []
        for row in self.citations:
            if row.empty:
                continue
            try:
                citations.append(row.citation())
            except ValidationError:
                wrong.append("citations")
        try:
            draft = EntryDraft.model_validate(
                {
                    "area": self.area,
                    "sub_area": self.sub_area,
                    "questions": [q.strip() for q in self.questions.splitlines() if q.strip()],
                    "answer": self.answer,
                    "citations": citations,
                    "route": self.route or None,
                }
            )
        except ValidationError as error:
            wrong.extend(str(problem["loc"][0]) for problem in error.errors())
        else:
            if not wrong:
                return draft
        return [name for name in EntryDraft.model_fields if name in wrong]


def article_number(typed: str) -> str:
    """第四十八条, 第48条 or a bare 48, as the statute library numbers articles."""
    typed = typed.strip().replace(" ", "")
    if typed.isdigit():
        typed = f"第{typed}条"
    return normalize_article_number(typed)


def keyword_list(typed: str) -> list[str]:
    return [word for word in _KEYWORD_SEPARATORS.split(typed.strip()) if word]
