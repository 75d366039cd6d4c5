"""Contact details given with a request for a person ("我叫…，电话…，转人工"), kept only on consent.

The handoff names what it found and asks once; nothing personal is stored until the resident
agrees. On agreement the details are read again from the message that carried them (not kept
in a slot meanwhile) and put on the handoff case, so staff can call back.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from actions import runtime
from actions.forms import validators
from actions.guard import guarded
from casebook.services.cases import record_contact

logger = logging.getLogger(__name__)

_PHONE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?(1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}|0\d{2,3}[\s-]?\d{7,8})(?!\d)")
_NAME = re.compile(r"(?:我叫|我是|我姓名是|姓名[:：]?|名字[:：]?)\s*([\u4e00-\u9fa5]{2,4}?)(?=[，,。\s、；;电手]|$)")
OFFERED_SLOT = "contact_offered"


@dataclass(frozen=True)
class Contact:
    name: str | None
    phone: str


def contact_in(text: str) -> Contact | None:
    """A phone number (and a name, if given) in a message; None without a valid phone number."""
    for match in _PHONE.finditer(text):
        phone = validators.phone_number(match.group(1))
        if phone:
            named = _NAME.search(text)
            name = validators.person_name(named.group(1)) if named else None
            return Contact(name, phone)
    return None


def _contact_before_reply(tracker: Tracker) -> Contact | None:
    """The contact in the resident's message just before this yes (the one with the handoff).

    Only that message: a yes given later, to something else, never stores a number said earlier.
    """
    texts = [e.get("text") or "" for e in tracker.events if e.get("event") == "user"]
    return contact_in(texts[-2]) if len(texts) >= 2 else None


def _store(reference: str, contact: Contact) -> bool:
    with Session(runtime.engine()) as session:
        return record_contact(session, reference=reference, name=contact.name, phone=contact.phone) is not None


class ActionRecordContact(Action):
    """The resident's yes or no to keeping the contact details they gave with a handoff."""

    def name(self) -> str:
        return "action_record_contact"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        done = [SlotSet(OFFERED_SLOT, None)]
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        contact, reference = _contact_before_reply(tracker), tracker.get_slot("handoff_reference")
        if intent != "affirm" or contact is None or not reference:
            dispatcher.utter_message(response="utter_contact_not_recorded")
            return done
        try:
            stored = await asyncio.to_thread(_store, reference, contact)
        except SQLAlchemyError:
            logger.exception("could not record the contact details of a handoff")
            stored = False
        dispatcher.utter_message(response="utter_contact_recorded" if stored else "utter_handoff_failed")
        return done
