"""Booking a remote session with a stationed lawyer or a village/community legal adviser."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import runtime
from actions.forms.base import ServiceFormValidation, Slots
from actions.forms.display import adviser_label, lawyer_slot_value, parse_lawyer_slot, when
from actions.forms.slots import taken
from actions.forms.submit import SubmitServiceForm
from actions.guard import guarded
from actions.nlu_values import area_of
from casebook.case_details import LawyerDetails
from casebook.models import Booking, Case, CaseKind
from casebook.service_forms import service_forms
from casebook.services import applications
from casebook.services.applications import SlotRequest
from casebook.settings import get_settings
from knowledge.roster import Slot


def free_sessions(after: datetime, topic: str | None, limit: int) -> list[Slot]:
    """The next free sessions, those of advisers who know the topic first."""
    roster = runtime.roster()
    busy = taken(None, after)
    free = [s for s in roster.slots(after, roster.booking_horizon_days) if (s.adviser_id, s.start) not in busy]
    if topic:
        free.sort(key=lambda s: (not roster.covers(s.adviser_id, topic), s.start))
    return free[:limit]


def meeting_url(booking: Booking | None) -> str | None:
    """The session's video room: the booking's own random token (never the printed reference)."""
    return applications.meeting_url(booking, get_settings().meeting_url_template)


class ValidateLawyerForm(ServiceFormValidation):
    form: ClassVar[str] = "lawyer_form"

    def validate_lawyer_topic(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        # The area the NLU read in the topic, kept: later answers ("最近的空档") carry areas of their own.
        return {**self.text_slot("lawyer_topic", value, dispatcher, 4, 300), "lawyer_area": area_of(tracker)}

    async def validate_lawyer_slot(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        now, text = runtime.office_now(), str(value)
        roster = runtime.roster()
        if service_forms().texts.next_free in text:
            found = await asyncio.to_thread(free_sessions, now, tracker.get_slot("lawyer_area"), 1)
            chosen = (found[0].adviser_id, found[0].start) if found else None
        else:
            chosen = None
            if "@" in text:
                try:
                    chosen = parse_lawyer_slot(text.strip())
                except ValueError:
                    chosen = None
            if chosen is not None and (chosen[1] <= now or not roster.is_valid_slot(*chosen)):
                chosen = None
            if chosen is not None and chosen in await asyncio.to_thread(
                taken, [chosen[0]], chosen[1] - timedelta(minutes=1)
            ):
                dispatcher.utter_message(response="utter_slot_taken")
                return {"lawyer_slot": None}
        if chosen is None:
            dispatcher.utter_message(response="utter_invalid_slot")
            return {"lawyer_slot": None}
        return {"lawyer_slot": lawyer_slot_value(*chosen)}


class ActionAskLawyerSlot(Action):
    def name(self) -> str:
        return "action_ask_lawyer_slot"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        choices = service_forms().slot_choices
        free = await asyncio.to_thread(free_sessions, runtime.office_now(), tracker.get_slot("lawyer_area"), choices)
        if not free:
            dispatcher.utter_message(text=service_forms().texts.no_slots)
            return []
        buttons = [
            {
                "title": f"{when(s.start)} {adviser_label(s.adviser_id)}",
                "payload": lawyer_slot_value(s.adviser_id, s.start),
            }
            for s in free
        ]
        buttons.append({"title": service_forms().texts.next_free, "payload": service_forms().texts.next_free})
        dispatcher.utter_message(response="utter_ask_lawyer_slot", buttons=buttons)
        return []


class ActionSubmitLawyer(SubmitServiceForm):
    form: ClassVar[str] = "lawyer_form"
    kind: ClassVar[CaseKind] = CaseKind.lawyer
    slot_field: ClassVar[str | None] = "lawyer_slot"

    def slot_request(self, tracker: Tracker) -> SlotRequest:
        adviser_id, start = parse_lawyer_slot(tracker.get_slot("lawyer_slot"))
        minutes = runtime.roster().get(adviser_id).session_minutes
        return SlotRequest(adviser_id, start, start + timedelta(minutes=minutes))

    def details(self, tracker: Tracker) -> LawyerDetails:
        adviser_id, start = parse_lawyer_slot(tracker.get_slot("lawyer_slot"))
        return LawyerDetails(
            topic=tracker.get_slot("lawyer_topic"),
            adviser_id=adviser_id,
            adviser=adviser_label(adviser_id),
            start=f"{start:%Y-%m-%d %H:%M}",
        )

    def receipt(self, tracker: Tracker, case: Case, booking: Booking | None) -> dict[str, Any]:
        adviser_id, start = parse_lawyer_slot(tracker.get_slot("lawyer_slot"))
        extra = {"join_url": meeting_url(booking), "start": start.isoformat(), "with": adviser_label(adviser_id)}
        return {**super().receipt(tracker, case, booking), **extra}

    def utter_next_steps(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, case: Case, booking: Booking | None
    ) -> None:
        adviser_id, start = parse_lawyer_slot(tracker.get_slot("lawyer_slot"))
        texts = service_forms().texts
        url = meeting_url(booking)
        lines = [
            texts.booking_line.format(start=when(start), resource=adviser_label(adviser_id)),
            *([texts.join_line.format(url=url)] if url else []),  # a booking made before rooms had tokens
            texts.cancel_hint.format(phone=runtime.offices().get("justice-office").phone),
        ]
        dispatcher.utter_message(text="\n".join(lines))
