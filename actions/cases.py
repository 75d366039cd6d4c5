"""Opening a staff case for a conversation: one home for handoff and danger cases."""

from __future__ import annotations

import asyncio
import logging

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from actions import runtime
from actions.nlu_values import area_of, scalar_text
from casebook.models import CaseCreate, CaseKind
from casebook.services.cases import open_case

logger = logging.getLogger(__name__)


def _open(kind: CaseKind, tracker: Tracker) -> str:
    data = CaseCreate(
        kind=kind,
        conversation_id=tracker.sender_id,
        channel=tracker.get_latest_input_channel() or "web",
        # Checked again here: a danger case must be written whatever a typed payload put in them.
        area=area_of(tracker),
        route=scalar_text(tracker.get_slot("route"), 32),
    )
    with Session(runtime.engine()) as session:
        case, _created = open_case(session, data=data)
        return case.reference


async def flag_case(kind: CaseKind, tracker: Tracker) -> str | None:
    """Open (or find the open) case of this kind for the conversation; None if the database failed."""
    try:
        return await asyncio.to_thread(_open, kind, tracker)
    except SQLAlchemyError:
        logger.exception("could not open a %s case", kind.value)
        return None


async def alert_staff(dispatcher: CollectingDispatcher, tracker: Tracker) -> str | None:
    """A danger case for this conversation, and the resident told staff know; None if it failed
    (the advice itself has always been sent before this)."""
    reference = await flag_case(CaseKind.danger, tracker)
    if reference is not None:
        dispatcher.utter_message(response="utter_emergency_flagged")
    return reference
