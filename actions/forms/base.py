"""What every service form shares: consent first, contact details, a summary to confirm.

A subclass names its form (casebook/service_forms.py) and may leave out slots that its answers so far make unnecessary
(`wanted`). A refused consent empties the form's list of required slots, so the form ends at
once and the submit action says what the resident can do without giving personal data.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT, FormValidationAction
from rasa_sdk.types import DomainDict

from actions.cases import alert_staff
from actions.forms import validators
from actions.forms.checked import checked_in, record_checked
from actions.guard import guarded
from actions.nlu_values import latest_text
from knowledge.answering import safety_paragraphs
from knowledge.reading.cues import DANGER_CUES, load_cues

Slots = dict[str, Any]


class ServiceFormValidation(FormValidationAction, ABC):
    @property
    @abstractmethod
    def form(self) -> str:
        """The form's name in the spec (a class attribute): abstract, so the action server does
        not register this base."""

    def name(self) -> str:
        return f"validate_{self.form}"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        # Danger written into an answer ("他刚才又打我了" as the dispute's summary) is heard at
        # once: the advice first and staff alerted, then the form goes on if the resident wants.
        urgent = [cue for cue in load_cues().safety_in(latest_text(tracker)) if cue in DANGER_CUES]
        if urgent:
            dispatcher.utter_message(response="utter_emergency")
            for paragraph in safety_paragraphs(urgent):
                dispatcher.utter_message(text=paragraph)
            await alert_staff(dispatcher, tracker)
        events: list[EventType] = await super().run(dispatcher, tracker, domain)
        passed = checked_in(events, self.domain_slots(domain))
        return [*events, record_checked(tracker, passed)] if passed else events

    def wanted(self, slot: str, tracker: Tracker) -> bool:
        """Whether the form still needs this slot, given the answers so far."""
        return True

    def stops_early(self, tracker: Tracker) -> bool:
        """An answer that ends the form before its end (e.g. a matter that is not for mediation)."""
        return False

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        if tracker.get_slot("privacy_consent") is False:
            # Still listed (and filled), so its validation says what the resident can do instead.
            return ["privacy_consent"]
        if self.stops_early(tracker):
            return []
        return [slot for slot in domain_slots if self.wanted(slot, tracker)]

    async def next_requested_slot(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventType | None:
        # Always decided here (rasa_sdk leaves it to Rasa when nothing is skipped): one rule,
        # the first unanswered slot in the form's order, or None when the form is complete.
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        missing = (slot for slot in required if tracker.slots.get(slot) is None)
        return SlotSet(REQUESTED_SLOT, next(missing, None))

    def validate_privacy_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        if value is False:
            dispatcher.utter_message(response="utter_consent_refused")
        return {"privacy_consent": bool(value)}

    def validate_applicant_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        name = validators.person_name(str(value))
        if name is None:
            dispatcher.utter_message(response="utter_invalid_name")
        return {"applicant_name": name}

    def validate_applicant_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        phone = validators.phone_number(str(value))
        if phone is None:
            dispatcher.utter_message(response="utter_invalid_phone")
        return {"applicant_phone": phone}

    def validate_form_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        if value is True:
            return {"form_confirmed": True}
        # "不对" at the summary: ask which answer to change, then ask the summary again.
        from actions.forms.control import utter_choose_field

        utter_choose_field(dispatcher, tracker)
        return {"form_confirmed": None}

    @staticmethod
    def text_slot(
        slot: str, value: Any, dispatcher: CollectingDispatcher, min_chars: int = 2, max_chars: int = 500
    ) -> Slots:
        text = validators.free_text(str(value), min_chars, max_chars)
        if text is None:
            too_long = len(str(value).strip()) > max_chars
            dispatcher.utter_message(response="utter_text_too_long" if too_long else "utter_text_too_short")
        return {slot: text}
