"""Submitting a completed form: one transaction, a reference number, what happens next."""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from actions import runtime
from actions.forms.texts import form_texts
from api.models import Case, CaseCreate, CaseKind
from api.services.applications import SlotRequest, SlotTaken, submit_application

logger = logging.getLogger(__name__)

PERSONAL_SLOTS = ("privacy_consent", "applicant_name", "applicant_phone", "form_confirmed")


class SubmitServiceForm(Action, ABC):
    form: ClassVar[str]
    kind: ClassVar[CaseKind]
    slot_field: ClassVar[str | None] = None  # the slot holding a booked time, if the service books one

    @abstractmethod
    def details(self, tracker: Tracker) -> dict[str, Any]:
        """What staff need to see, in words (ids resolved), and the assistant's conclusions."""

    def slot_request(self, tracker: Tracker) -> SlotRequest | None:
        return None

    def without_record(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
        """Handle a form that ended without anything to submit; True when it did."""
        return False

    @abstractmethod
    def utter_next_steps(self, dispatcher: CollectingDispatcher, tracker: Tracker, case: Case) -> None:
        """What happens next, by when, and what to bring."""

    def reset(self, tracker: Tracker) -> list[EventType]:
        form = form_texts().form(self.form)
        slots = {*PERSONAL_SLOTS, *(form.fields if form else {}), *self.extra_slots()}
        return [SlotSet(slot, None) for slot in sorted(slots) if tracker.get_slot(slot) is not None]

    def extra_slots(self) -> tuple[str, ...]:
        return ()

    def receipt(self, tracker: Tracker, case: Case) -> dict[str, Any]:
        """What a channel can show the resident to keep (the kiosk prints it as a QR code)."""
        return {"reference": case.reference, "service": form_texts().forms[self.form].title}

    def _submit(self, tracker: Tracker, details: dict[str, Any], slot: SlotRequest | None) -> tuple[Case, bool]:
        data = CaseCreate(
            kind=self.kind,
            conversation_id=tracker.sender_id,
            channel=tracker.get_latest_input_channel() or "web",
            area=tracker.get_slot("area"),
            route=form_texts().forms[self.form].service,
            applicant_name=tracker.get_slot("applicant_name"),
            phone=tracker.get_slot("applicant_phone"),
            details=details,
        )
        with Session(runtime.engine()) as session:
            case, created = submit_application(session, data=data, slot=slot)
            session.expunge(case)
            return case, created

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        if tracker.get_slot("privacy_consent") is False or self.without_record(dispatcher, tracker):
            return self.reset(tracker)
        if tracker.get_slot("form_confirmed") is not True:  # only a misconfigured rule gets here
            return []
        try:
            case, created = await asyncio.to_thread(
                self._submit, tracker, self.details(tracker), self.slot_request(tracker)
            )
        except SlotTaken:
            dispatcher.utter_message(response="utter_slot_taken")
            assert self.slot_field is not None
            return [SlotSet(self.slot_field, None), SlotSet("form_confirmed", None), FollowupAction(self.form)]
        except SQLAlchemyError:
            logger.exception("could not submit a %s application", self.kind.value)
            dispatcher.utter_message(response="utter_submit_failed")
            return []  # the answers stay: asking for the service again submits them
        texts = form_texts().texts
        template = texts.submitted if created else texts.duplicate
        dispatcher.utter_message(
            text=template.format(reference=case.reference), json_message={"receipt": self.receipt(tracker, case)}
        )
        self.utter_next_steps(dispatcher, tracker, case)
        return [*self.reset(tracker), SlotSet("submitted_reference", case.reference), SlotSet("route", self.kind.value)]
