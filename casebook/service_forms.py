"""The service forms' one spec (knowledge/data/service_forms.yml), loaded and validated once.

Per form: the intent that starts it, the route it reports, the action that submits it and its
slots in order; per slot: how Rasa fills it, how it is asked, its label and whether it is
personal. The forms' domain and rules (scripts/generate_forms.py), routing, the slots a submit
clears, the summary and the action names (actions/), and which answers the console hides from
roles without personal data (api/console/personal.py) all read it; nothing else defines a form.
It lives in casebook because both the action server and the API read it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated, Literal, get_args

from pydantic import Field, model_validator

from casebook.models import CaseKind, CaseStatus
from knowledge.datafile import DATA_DIR, Frozen, check_placeholders, load_yaml_model
from knowledge.entries import Route

FORMS_FILE = DATA_DIR / "service_forms.yml"

Profile = Literal["free", "strict", "choice", "amount", "lookup"]
# How a slot's value reads back: as typed, through a named reader (actions/forms/display.py),
# or through a template such as "{value}元".
Reader = Literal["dispute_type", "legal_aid_choices", "notary_matter", "desk_time", "lawyer_session"]
READERS: frozenset[str] = frozenset(get_args(Reader))


class SlotSpec(Frozen):
    type: Literal["bool", "text", "any"] = "text"
    profile: Profile | None = None  # text answers only: intents that must not fill it
    entity: str | None = None  # taken first, when the message names one
    ask: Literal["response", "action"] = "response"
    label: str | None = None
    shown: str = "{value}"
    personal: bool = False

    @model_validator(mode="after")
    def _readable(self) -> SlotSpec:
        if self.shown not in READERS:
            check_placeholders("shown", self.shown, {"value"})
        return self


class FormSpec(Frozen):
    activated_by: str  # the intent that starts the form
    submit: str  # the action that runs once the form is complete
    slots: list[str] = Field(min_length=1)  # asked in this order
    keeps: list[str] = Field(default_factory=list)  # slots the form's actions set, cleared with the answers
    service: Route | None = None  # the route a service form reports; None for the status lookup
    title: str | None = None
    consent: str | None = None  # asked when the form has privacy_consent

    @model_validator(mode="after")
    def _complete(self) -> FormSpec:
        if self.service is not None and self.title is None:
            raise ValueError(f"the {self.service} form needs a title")
        if ("privacy_consent" in self.slots) != (self.consent is not None):
            raise ValueError("a form asks consent exactly when it has privacy_consent, and says what for")
        return self


class NotaryDesk(Frozen):
    office: str
    resource_id: str
    minutes: int = Field(ge=10, le=240)


class FormWording(Frozen):
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


class ButtonTitles(Frozen):
    agree: str
    disagree: str
    submit: str
    change: str
    stop: str
    cancel_booking: str
    check_status: str
    none_of_these: str
    not_urgent: str


class Readback(Frozen):
    yes: str
    no: str
    none_chosen: str
    weekdays: str = Field(min_length=7, max_length=7)
    time: str

    @model_validator(mode="after")
    def _time(self) -> Readback:
        check_placeholders("readback.time", self.time, {"month", "day", "weekday", "clock"})
        return self


class ServiceForms(Frozen):
    control_intents: list[str]
    answer_profiles: dict[Profile, list[str]]
    slots: dict[str, SlotSpec]
    forms: dict[str, FormSpec]
    correction_keywords: dict[str, list[str]]
    statuses: dict[CaseStatus, str]  # as a resident reads them (staff's words: api/console/workflow.yml)
    kinds: dict[CaseKind, str]
    slot_choices: int = Field(ge=1, le=8)
    booking_days_ahead: int = Field(ge=1, le=60)
    notary_desk: NotaryDesk
    texts: FormWording
    buttons: ButtonTitles
    none_answers: list[str]
    readback: Readback
    rating_words: dict[str, Annotated[int, Field(ge=1, le=3)]]

    @model_validator(mode="after")
    def _consistent(self) -> ServiceForms:
        for name, form in self.forms.items():
            unknown = [slot for slot in [*form.slots, *form.keeps] if slot not in self.slots]
            if unknown:
                raise ValueError(f"{name}: slots not defined under slots: {unknown}")
        asked = self.asked_slots()
        for name, slot in self.slots.items():
            if name in asked and slot.type == "text" and slot.profile is None:
                raise ValueError(f"{name}: a typed answer needs a profile")
            if name not in asked and (slot.profile or slot.label or slot.ask == "action"):
                raise ValueError(f"{name}: no form asks it, so it takes no profile, label or question")
        for profile, intents in self.answer_profiles.items():
            if not set(self.control_intents) <= set(intents):
                raise ValueError(f"answer profile {profile}: a control intent must never fill a slot")
        unlabelled = set(self.correction_keywords) - {name for name, slot in self.slots.items() if slot.label}
        if unlabelled:
            raise ValueError(f"correction_keywords for slots without a label: {sorted(unlabelled)}")
        if not {self.buttons.none_of_these, self.buttons.not_urgent} <= set(self.none_answers):
            raise ValueError("the none-of-these buttons must be among none_answers")
        for words, enum in ((self.statuses, CaseStatus), (self.kinds, CaseKind)):
            missing = sorted(member.value for member in enum if member not in words)
            if missing:
                raise ValueError(f"a resident would read an English {enum.__name__} for {missing}")
        return self

    def asked_slots(self) -> list[str]:
        """Every slot some form asks, in the order the forms first ask them."""
        return list(dict.fromkeys(slot for form in self.forms.values() for slot in form.slots))

    def form(self, name: str | None) -> FormSpec | None:
        return self.forms.get(name or "")

    def service_routes(self) -> dict[str, Route]:
        """Form name → the route it reports, for the forms that are services."""
        return {name: form.service for name, form in self.forms.items() if form.service is not None}

    def labelled(self, form_name: str | None) -> list[tuple[str, str]]:
        """(slot, label) of the form's slots that the summary shows, in the form's order."""
        form = self.form(form_name)
        slots = form.slots if form else []
        return [(slot, label) for slot in slots if (label := self.slots[slot].label) is not None]

    def label(self, slot: str) -> str:
        spec = self.slots.get(slot)
        return spec.label if spec is not None and spec.label is not None else slot


@cache
def service_forms(path: Path = FORMS_FILE) -> ServiceForms:
    return load_yaml_model(ServiceForms, path)
