"""Handing a conversation to staff: on request, and at once when a resident may be in danger."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.cases import alert_staff, flag_case
from actions.consultation import consult, record_gap
from actions.contact import OFFERED_SLOT, contact_in
from actions.forms.control import leave_form
from actions.guard import guarded
from actions.replies import utter_reply
from casebook.models import CaseKind
from knowledge.reading.question import asking_clauses

logger = logging.getLogger(__name__)


class ActionRequestHuman(Action):
    def name(self) -> str:
        return "action_request_human"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        reference = await flag_case(CaseKind.handoff, tracker)
        if reference is None:
            dispatcher.utter_message(response="utter_handoff_failed")
            return leave_form(tracker)
        dispatcher.utter_message(response="utter_handoff_recorded", reference=reference)
        events = [*leave_form(tracker), SlotSet("handoff_reference", reference), SlotSet("route", "handoff")]
        # "我叫孙丽，电话136…，转人工": offer to keep them, with one line of consent (actions/contact.py).
        if contact_in(str(tracker.latest_message.get("text") or "")):
            dispatcher.utter_message(response="utter_ask_contact_consent")
            events.append(SlotSet(OFFERED_SLOT, True))
        return events


class ActionFlagDanger(Action):
    def name(self) -> str:
        return "action_flag_danger"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        # The safety advice goes out first and whatever happens to the database.
        dispatcher.utter_message(response="utter_emergency")
        reference = await alert_staff(dispatcher, tracker)
        events = [*leave_form(tracker), SlotSet("route", "emergency")]
        if reference is not None:
            events.append(SlotSet("handoff_reference", reference))
        # A question inside the message ("他打我，孩子归谁") is answered after the advice.
        try:
            consultation = await consult(tracker)
        except Exception:  # the advice above stands even if the knowledge layer fails
            logger.exception("could not read the question in a danger message")
            return events
        # Only a question ("孩子能跟我吗") is taken up; after a bare cry for help the short advice
        # above is all a resident in danger should have to read.
        if not asking_clauses(consultation.question) or consultation.reply.kind == "unsure":
            return events
        utter_reply(dispatcher, consultation.reply)
        if consultation.reply.kind == "defer":
            await record_gap(tracker, consultation)
        return events
