"""Notarization guidance from the catalogue, then (if wanted) an appointment at the assistance point."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

from actions import runtime
from actions.forms.base import ServiceFormValidation, Slots
from actions.forms.control import utter_intro
from actions.forms.display import when
from actions.forms.slots import free_desk_slots, is_desk_slot, taken
from actions.forms.submit import SubmitServiceForm
from actions.forms.validators import future_slot
from actions.guard import guarded
from actions.nlu_values import latest_text
from actions.replies import title_buttons
from casebook.case_details import NotarizationDetails
from casebook.models import Booking, Case, CaseKind
from casebook.service_forms import service_forms
from casebook.services.applications import SlotRequest

COMMON_MATTERS = 8  # buttons offered before the resident names a matter


def guidance(matter_id: str) -> str:
    offices = runtime.offices()
    desk = service_forms().notary_desk
    return runtime.notary().guidance(
        matter_id,
        notary_office=offices.display("notary-office"),
        assistance_point=offices.display(desk.office),
    )


class ValidateNotarizationForm(ServiceFormValidation):
    form: ClassVar[str] = "notarization_form"

    def wanted(self, slot: str, tracker: Tracker) -> bool:
        # The slots after notary_booking in the form's order are asked only for an appointment.
        slots = service_forms().forms[self.form].slots
        booking_only = slots[slots.index("notary_booking") + 1 :]
        return slot not in booking_only or tracker.get_slot("notary_booking") is True

    async def extract_notary_matter(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        """The message that opened the form may already name the matter ("遗嘱公证要带什么")."""
        if tracker.get_slot(REQUESTED_SLOT) is not None or tracker.get_slot("notary_matter") is not None:
            return {}
        found = runtime.notary().match(latest_text(tracker), limit=1)
        return {"notary_matter": found[0].title} if found else {}

    def validate_notary_matter(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        catalogue = runtime.notary()
        by_title = {m.title: m.id for m in catalogue.matters}
        matter_id = by_title.get(str(value).strip())
        if matter_id is None:
            found = catalogue.match(str(value), limit=1)
            matter_id = found[0].id if found else None
        if matter_id is None:
            dispatcher.utter_message(response="utter_invalid_notary_matter")
            return {"notary_matter": None}
        dispatcher.utter_message(text=guidance(matter_id))
        return {"notary_matter": matter_id}

    async def validate_notary_slot(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        now = runtime.office_now()
        text = str(value)
        if service_forms().texts.next_free in text:
            free = await asyncio.to_thread(free_desk_slots, now, 1)
            start = free[0] if free else None
        else:
            start = future_slot(text, now)
            if start is not None and not is_desk_slot(start):
                start = None
            if start is not None:
                busy = await asyncio.to_thread(
                    taken, [service_forms().notary_desk.resource_id], start - timedelta(minutes=1)
                )
                if (service_forms().notary_desk.resource_id, start) in busy:
                    dispatcher.utter_message(response="utter_slot_taken")
                    return {"notary_slot": None}
        if start is None:
            dispatcher.utter_message(response="utter_invalid_slot")
            return {"notary_slot": None}
        return {"notary_slot": f"{start:%Y-%m-%dT%H:%M}"}


class ActionAskNotaryMatter(Action):
    def name(self) -> str:
        return "action_ask_notary_matter"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        utter_intro(dispatcher, tracker)
        matters = runtime.notary().matters[:COMMON_MATTERS]
        dispatcher.utter_message(response="utter_ask_notary_matter", buttons=title_buttons(matters))
        return []


class ActionAskNotarySlot(Action):
    def name(self) -> str:
        return "action_ask_notary_slot"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        free = await asyncio.to_thread(free_desk_slots, runtime.office_now(), service_forms().slot_choices)
        if not free:
            dispatcher.utter_message(text=service_forms().texts.no_slots)
            return []
        buttons = [{"title": when(s), "payload": f"{s:%Y-%m-%d %H:%M}"} for s in free]
        dispatcher.utter_message(response="utter_ask_notary_slot", buttons=buttons)
        return []


class ActionSubmitNotarization(SubmitServiceForm):
    form: ClassVar[str] = "notarization_form"
    kind: ClassVar[CaseKind] = CaseKind.notarization
    slot_field: ClassVar[str | None] = "notary_slot"

    def without_record(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
        if tracker.get_slot("notary_booking") is True:
            return False
        dispatcher.utter_message(response="utter_notary_no_booking")
        return True

    def _start(self, tracker: Tracker) -> datetime:
        return datetime.fromisoformat(tracker.get_slot("notary_slot"))

    def slot_request(self, tracker: Tracker) -> SlotRequest:
        desk = service_forms().notary_desk
        start = self._start(tracker)
        return SlotRequest(desk.resource_id, start, start + timedelta(minutes=desk.minutes))

    def receipt(self, tracker: Tracker, case: Case, booking: Booking | None) -> dict[str, Any]:
        return {**super().receipt(tracker, case, booking), "start": self._start(tracker).isoformat()}

    def details(self, tracker: Tracker) -> NotarizationDetails:
        matter = runtime.notary().get(tracker.get_slot("notary_matter"))
        start = f"{self._start(tracker):%Y-%m-%d %H:%M}"
        return NotarizationDetails(matter_id=matter.id, matter=matter.title, appointment=start)

    def utter_next_steps(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, case: Case, booking: Booking | None
    ) -> None:
        matter = runtime.notary().get(tracker.get_slot("notary_matter"))
        desk = service_forms().notary_desk
        dispatcher.utter_message(
            response="utter_notary_booked",
            when=when(self._start(tracker)),
            place=runtime.offices().display(desk.office),
            materials="\n".join(f"· {item}" for item in matter.materials),
        )
        dispatcher.utter_message(
            text=service_forms().texts.cancel_hint.format(phone=runtime.offices().get(desk.office).phone)
        )
