"""Hiding a resident's personal data from roles that may not see it: the form slots the forms' spec
calls personal (casebook/service_forms.py) and the case details personal_data.yml lists.

A case page shows the whole conversation, and one conversation can hold several forms: a handoff
case's transcript may carry the name, other party, address and income given to an earlier
mediation or legal-aid form. So what is hidden is what the conversation itself says is personal,
not only the case's own fields: every personal slot value the conversation took, every personal
word stored in any case of it, each answer to a personal question, and the summary lines with a
personal label. Phone and ID numbers are masked wherever they appear (casebook/services/redaction.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from casebook.models import Case
from casebook.service_forms import ServiceForms, service_forms
from casebook.services.redaction import mask_personal_data
from knowledge.datafile import load_yaml_model

PERSONAL_DATA_FILE = Path(__file__).parent / "personal_data.yml"
# Words shorter than this (a household size "3") are hidden by their question and label only:
# replacing them everywhere would blank out unrelated digits.
MIN_WORD_CHARS = 2


class PersonalDetails(BaseModel):
    """personal_data.yml: the keys of a case's stored details that are personal."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    details: frozenset[str] = Field(min_length=1)


class PersonalData(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # slot → the labels the form's summary shows it under ("· 姓名：王小明"); none for a slot no
    # summary shows (the phone given to look a case up).
    slots: dict[str, list[str]] = Field(min_length=1)
    details: frozenset[str] = Field(min_length=1)

    @classmethod
    def load(cls, path: Path = PERSONAL_DATA_FILE, forms: ServiceForms | None = None) -> PersonalData:
        spec = forms or service_forms()
        slots = {name: [slot.label] if slot.label else [] for name, slot in spec.slots.items() if slot.personal}
        return cls(slots=slots, details=load_yaml_model(PersonalDetails, path).details)

    def labels(self) -> list[str]:
        return sorted({label for labels in self.slots.values() for label in labels}, key=len, reverse=True)


@cache
def personal_data() -> PersonalData:
    return PersonalData.load()


def mask_word(word: str) -> str:
    """王小明 → 王**: the first character stays so staff can still address the person."""
    word = word.strip()
    return word[:1] + "*" * max(len(word) - 1, 1) if len(word) > 1 else "*"


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def case_words(cases: Iterable[Case], personal: PersonalData) -> set[str]:
    """The names and other personal words stored in these cases (all of one conversation)."""
    words: set[str] = set()
    for case_ in cases:
        if case_.applicant_name:
            words.add(case_.applicant_name)
        for key, value in case_.details.items():
            if key in personal.details:
                words.update(_strings(value))
    return words


def tracker_words(events: Iterable[Mapping[str, Any]], personal: PersonalData) -> set[str]:
    """Every value a personal slot took anywhere in the conversation, before and after restarts."""
    return {
        str(event["value"])
        for event in events
        if event.get("event") == "slot" and event.get("name") in personal.slots and event.get("value")
    }


@dataclass(frozen=True)
class Masker:
    """Masks one conversation's text for a role without personal data."""

    words: tuple[str, ...]
    summary_line: re.Pattern[str] | None
    hidden_answer: str

    @classmethod
    def build(cls, words: Iterable[str], personal: PersonalData, *, hidden_answer: str) -> Masker:
        kept = sorted({w.strip() for w in words if len(w.strip()) >= MIN_WORD_CHARS}, key=len, reverse=True)
        labels = personal.labels()
        line = (
            re.compile(rf"^(\s*[·•\-]?\s*(?:{'|'.join(map(re.escape, labels))})\s*[：:]).*$", re.M) if labels else None
        )
        return cls(words=tuple(kept), summary_line=line, hidden_answer=hidden_answer)

    def text(self, text: str) -> str:
        for word in self.words:
            text = text.replace(word, mask_word(word))
        if self.summary_line is not None:
            text = self.summary_line.sub(lambda m: f"{m.group(1)}{self.hidden_answer}", text)
        return mask_personal_data(text)

    def answer(self, text: str) -> str:
        """What a resident typed in reply to a personal question: hidden whole."""
        return self.hidden_answer if text.strip() else text

    def detail(self, key: str, value: str, personal: PersonalData) -> str:
        return self.hidden_answer if key in personal.details and value not in ("", "—") else self.text(value)
