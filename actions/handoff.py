"""Handing a conversation to staff: on request, and at once when a resident may be in danger."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from actions import runtime
from actions.forms.control import leave_form
from api.models import CaseCreate, CaseKind
from api.services.cases import open_case

logger = logging.getLogger(__name__)


def _open(kind: CaseKind, tracker: Tracker) -> str:
    data = CaseCreate(
        kind=kind,
        conversation_id=tracker.sender_id,
        channel=tracker.get_latest_input_channel() or "web",
        area=tracker.get_slot("area"),
        route=tracker.get_slot("route"),
    )
    with Session(runtime.engine()) as session:
        case, _created = open_case(session, data=data)
        return case.reference


class ActionRequestHuman(Action):
    def name(self) -> str:
        return "action_request_human"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        try:
            reference = await asyncio.to_thread(_open, CaseKind.handoff, tracker)
        except SQLAlchemyError:
            logger.exception("could not record a handoff")
            dispatcher.utter_message(response="utter_handoff_failed")
            return leave_form(tracker)
        dispatcher.utter_message(response="utter_handoff_recorded", reference=reference)
        return [*leave_form(tracker), SlotSet("handoff_reference", reference), SlotSet("route", "handoff")]


class ActionFlagDanger(Action):
    def name(self) -> str:
        return "action_flag_danger"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        # The safety advice goes out first and whatever happens to the database.
        dispatcher.utter_message(response="utter_emergency")
        try:
            reference = await asyncio.to_thread(_open, CaseKind.danger, tracker)
        except SQLAlchemyError:
            logger.exception("could not flag a conversation in danger")
            return [*leave_form(tracker), SlotSet("route", "emergency")]
        dispatcher.utter_message(response="utter_emergency_flagged")
        return [*leave_form(tracker), SlotSet("handoff_reference", reference), SlotSet("route", "emergency")]
