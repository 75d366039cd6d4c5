"""Submitting a completed form: one transaction, a reference number, what happens next.

Before anything is written, every answer is checked against what the form's validation passed
(actions/forms/checked.py): an answer that reached a slot some other way — typed while staff had
paused the bot, or through a forged payload — is asked again instead of being submitted.
"""

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
from actions.forms.checked import CHECKED_SLOT, unchecked_slots
from actions.guard import guarded
from actions.nlu_values import area_of
from casebook.case_details import CaseDetails, stored_details
from casebook.models import Booking, Case, CaseCreate, CaseKind
from casebook.service_forms import service_forms
from casebook.services.applications import SlotRequest, SlotTaken, TooManyBookings, booking_of, submit_application
from casebook.settings import get_settings

logger = logging.getLogger(__name__)


class SubmitServiceForm(Action, ABC):
    form: ClassVar[str]
    kind: ClassVar[CaseKind]
    slot_field: ClassVar[str | None] = None  # the slot holding a booked time, if the service books one

    def name(self) -> str:
        return service_forms().forms[self.form].submit

    @abstractmethod
    def details(self, tracker: Tracker) -> CaseDetails:
        """What staff need to see, in words (ids resolved), and the assistant's conclusions."""

    def slot_request(self, tracker: Tracker) -> SlotRequest | None:
        return None

    def without_record(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
        """Handle a form that ended without anything to submit; True when it did."""
        return False

    @abstractmethod
    def utter_next_steps(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, case: Case, booking: Booking | None
    ) -> None:
        """What happens next, by when, and what to bring."""

    def reset(self, tracker: Tracker) -> list[EventType]:
        form = service_forms().forms[self.form]
        # The record of checked answers holds copies of them (names, phones): it goes too.
        slots = {*form.slots, *form.keeps, CHECKED_SLOT}
        return [SlotSet(slot, None) for slot in sorted(slots) if tracker.get_slot(slot) is not None]

    def receipt(self, tracker: Tracker, case: Case, booking: Booking | None) -> dict[str, Any]:
        """What a channel can show the resident to keep (the kiosk prints it as a QR code)."""
        return {"reference": case.reference, "service": service_forms().forms[self.form].title}

    def _submit(
        self, tracker: Tracker, details: CaseDetails, slot: SlotRequest | None
    ) -> tuple[Case, bool, Booking | None]:
        data = CaseCreate(
            kind=self.kind,
            conversation_id=tracker.sender_id,
            channel=tracker.get_latest_input_channel() or "web",
            area=area_of(tracker),
            route=service_forms().forms[self.form].service,
            applicant_name=tracker.get_slot("applicant_name"),
            phone=tracker.get_slot("applicant_phone"),
            details=stored_details(self.kind, details),
        )
        with Session(runtime.engine()) as session:
            case, created = submit_application(
                session,
                data=data,
                slot=slot,
                max_bookings=get_settings().max_open_bookings_per_phone,
                now=runtime.office_now(),
            )
            booking = booking_of(session, case) if slot is not None else None
            session.expunge_all()
            return case, created, booking

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        if tracker.get_slot("privacy_consent") is False or self.without_record(dispatcher, tracker):
            return self.reset(tracker)
        if tracker.get_slot("form_confirmed") is not True:  # only a misconfigured rule gets here
            return []
        unchecked = unchecked_slots(tracker, service_forms().forms[self.form].slots)
        if unchecked:
            dispatcher.utter_message(response="utter_form_recheck")
            return [
                *(SlotSet(slot, None) for slot in unchecked),
                SlotSet("form_confirmed", None),
                FollowupAction(self.form),
            ]
        try:
            case, created, booking = await asyncio.to_thread(
                self._submit, tracker, self.details(tracker), self.slot_request(tracker)
            )
        except SlotTaken:
            dispatcher.utter_message(response="utter_slot_taken")
            assert self.slot_field is not None
            return [SlotSet(self.slot_field, None), SlotSet("form_confirmed", None), FollowupAction(self.form)]
        except TooManyBookings:
            dispatcher.utter_message(response="utter_too_many_bookings")
            return self.reset(tracker)
        except SQLAlchemyError:
            logger.exception("could not submit a %s application", self.kind.value)
            dispatcher.utter_message(response="utter_submit_failed")
            return []  # the answers stay: asking for the service again submits them
        texts = service_forms().texts
        template = texts.submitted if created else texts.duplicate
        dispatcher.utter_message(
            text=template.format(reference=case.reference),
            json_message={"receipt": self.receipt(tracker, case, booking)},
        )
        self.utter_next_steps(dispatcher, tracker, case, booking)
        return [*self.reset(tracker), SlotSet("submitted_reference", case.reference), SlotSet("route", self.kind.value)]
