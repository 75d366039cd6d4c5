"""What a writer fills in for a new knowledge entry, checked before anything is stored.

The shipped schema (knowledge/entries.py) sets the floor; an office entry asks a little more:
four phrasings of the point, an answer a resident reads on a phone at once, at least one
citation, each found in the statute library as written (knowledge/authoring/citations.py).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from knowledge.areas import known_area
from knowledge.authoring.citations import citation_problems
from knowledge.entries import Citation, Route
from knowledge.statutes import StatuteLibrary

# Long enough to answer, short enough to read on a phone at once.
ANSWER_CHARS = (40, 400)
# The point asked in at least four ways, so the retriever finds it however a resident puts it.
MIN_QUESTIONS = 4
QUESTION_CHARS = (4, 200)


class EntryDraft(BaseModel):
    """What the writer fills in, checked before anything is stored."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    area: str
    sub_area: str = Field(min_length=1, max_length=30)
    questions: list[str] = Field(min_length=MIN_QUESTIONS, max_length=20)
    answer: str = Field(min_length=ANSWER_CHARS[0], max_length=ANSWER_CHARS[1])
    citations: list[Citation] = Field(min_length=1, max_length=6)
    route: Route | None = None

    _known_area = field_validator("area")(known_area)

    @field_validator("questions")
    @classmethod
    def _distinct_phrasings(cls, questions: list[str]) -> list[str]:
        if any(not QUESTION_CHARS[0] <= len(q) <= QUESTION_CHARS[1] for q in questions):
            raise ValueError("each question is 4 to 200 characters")
        if len(set(questions)) != len(questions):
            raise ValueError("a question is written twice")
        return questions


def draft_problems(draft: EntryDraft, library: StatuteLibrary) -> list[str]:
    """Why the draft's citations cannot be shown to a resident (in Chinese); empty when they can."""
    return [problem for citation in draft.citations for problem in citation_problems(citation, library)]
