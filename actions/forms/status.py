"""Checking an application's progress, and cancelling a booking, with reference + phone.

Every lookup is recorded and misses lock further lookups for a while (actions/forms/lookups.py).
A cancellation needs a lookup that found a live booking in this conversation just before it:
`status_verified` holds that reference, and only this action sets it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from actions import runtime
from actions.forms import lookups, validators
from actions.forms.base import Slots
from actions.forms.display import when
from actions.guard import guarded
from casebook.case_details import read_details
from casebook.models import BookingStatus, LookupAction
from casebook.service_forms import service_forms
from casebook.services.applications import booking_of, cancel, lookup

VERIFIED_SLOT = "status_verified"
FORGET = [SlotSet("status_reference", None), SlotSet("status_phone", None), SlotSet(VERIFIED_SLOT, None)]


STATUS_FORM = "status_form"


class ValidateStatusForm(FormValidationAction):
    def name(self) -> str:
        return f"validate_{STATUS_FORM}"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        events: list[EventType] = await super().run(dispatcher, tracker, domain)
        return events

    def validate_status_reference(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        reference = validators.reference(str(value)) if isinstance(value, str) else None
        if reference is None:
            dispatcher.utter_message(response="utter_invalid_reference")
        return {"status_reference": reference}

    def validate_status_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        phone = validators.phone_number(value) if isinstance(value, str) else None
        if phone is None:
            dispatcher.utter_message(response="utter_invalid_phone")
        return {"status_phone": phone}


def _checked(value: Any, check: Any) -> str | None:
    """A slot value as its validator would have left it; None for anything else."""
    return check(value) if isinstance(value, str) and check(value) == value else None


def lookup_slots(tracker: Tracker) -> tuple[str | None, str | None]:
    """Reference and phone, only in the form the status form's validation leaves them."""
    return (
        _checked(tracker.get_slot("status_reference"), validators.reference),
        _checked(tracker.get_slot("status_phone"), validators.phone_number),
    )


def _status_text(reference: str, phone: str) -> tuple[str, bool] | None:
    """The status lines, and whether there is a live booking to cancel."""
    spec = service_forms()
    with Session(runtime.engine()) as session:
        case = lookup(session, reference=reference, phone=phone)
        if case is None:
            return None
        lines = [
            spec.texts.status_line.format(
                reference=case.reference,
                kind=spec.kinds[case.kind],
                status=spec.statuses[case.status],
                created=f"{case.created_at:%Y-%m-%d}",
            )
        ]
        booking = booking_of(session, case)
        live = booking is not None and booking.status == BookingStatus.booked
        if booking is not None and live:
            details = read_details(case.kind, case.details)  # the adviser's or the notarization matter's name
            resource = getattr(details, "adviser", None) or getattr(details, "matter", "")
            lines.append(spec.texts.booking_line.format(start=when(booking.start), resource=resource))
        return "\n".join(lines), live


class ActionCheckStatus(Action):
    def name(self) -> str:
        return service_forms().forms[STATUS_FORM].submit

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        reference, phone = lookup_slots(tracker)
        if not reference or not phone:
            return FORGET
        try:
            if await asyncio.to_thread(lookups.locked, tracker):
                dispatcher.utter_message(response="utter_lookups_locked")
                return FORGET
            found = await asyncio.to_thread(_status_text, reference, phone)
            await asyncio.to_thread(lookups.record, tracker, LookupAction.status, reference, found is not None)
        except SQLAlchemyError:
            dispatcher.utter_message(response="utter_submit_failed")
            return FORGET
        if found is None:
            dispatcher.utter_message(response="utter_status_not_found")
            return FORGET
        text, live = found
        buttons = [{"title": service_forms().buttons.cancel_booking, "payload": "/cancel_booking"}] if live else []
        dispatcher.utter_message(text=text, buttons=buttons)
        # Kept for a cancellation that follows; forgotten by it.
        return [SlotSet(VERIFIED_SLOT, reference)] if live else FORGET


def _cancel(reference: str, phone: str) -> str | None:
    with Session(runtime.engine()) as session:
        case = cancel(session, reference=reference, phone=phone)
        return case.reference if case is not None else None


class ActionCancelBooking(Action):
    def name(self) -> str:
        return "action_cancel_booking"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        reference, phone = lookup_slots(tracker)
        texts = service_forms().texts
        verified = reference is not None and phone is not None and tracker.get_slot(VERIFIED_SLOT) == reference
        if not verified:
            dispatcher.utter_message(
                text=texts.cancel_needs_lookup,
                buttons=[{"title": service_forms().buttons.check_status, "payload": "/check_status"}],
            )
            return FORGET
        if await asyncio.to_thread(lookups.locked, tracker):
            # Not "look it up first": that lookup would be refused too, and the resident go round in a circle.
            dispatcher.utter_message(response="utter_lookups_locked")
            return FORGET
        assert reference is not None and phone is not None
        cancelled = await asyncio.to_thread(_cancel, reference, phone)
        await asyncio.to_thread(lookups.record, tracker, LookupAction.cancel, reference, cancelled is not None)
        if cancelled is None:
            dispatcher.utter_message(response="utter_cancel_refused")
            return FORGET
        dispatcher.utter_message(text=texts.cancelled.format(reference=cancelled))
        return FORGET
