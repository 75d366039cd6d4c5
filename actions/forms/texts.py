"""The service forms' own wording and settings, from knowledge/data/service_forms.yml."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from knowledge.entries import Route

FORMS_FILE = Path(__file__).resolve().parents[2] / "knowledge" / "data" / "service_forms.yml"


class FormText(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    service: Route
    title: str
    consent: str
    activated_by: str  # the intent that starts the form
    fields: dict[str, str] = Field(min_length=1)  # slot → label in the summary, in order


class NotaryDesk(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    office: str
    resource_id: str
    minutes: int = Field(ge=10, le=240)


class Texts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    summary_heading: str
    confirm_question: str
    next_free: str
    no_slots: str
    choose_field: str
    reenter_field: str
    submitted: str
    duplicate: str
    status_line: str
    booking_line: str
    cancel_hint: str
    cancelled: str
    cancel_needs_lookup: str
    join_line: str


class FormTexts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    forms: dict[str, FormText]
    correction_keywords: dict[str, list[str]]
    statuses: dict[str, str]
    kinds: dict[str, str]
    slot_choices: int = Field(ge=1, le=8)
    booking_days_ahead: int = Field(ge=1, le=60)
    notary_desk: NotaryDesk
    texts: Texts

    def form(self, name: str | None) -> FormText | None:
        return self.forms.get(name or "")

    def label(self, slot: str) -> str:
        for form in self.forms.values():
            if slot in form.fields:
                return form.fields[slot]
        return slot


@cache
def form_texts(path: Path = FORMS_FILE) -> FormTexts:
    return FormTexts.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
