"""A resident's satisfaction rating (the buttons under the goodbye), for the head's statistics.

One rating per conversation: a later one replaces it (the resident changed their mind), so a
script repeating `/rate` in one conversation counts once.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select

from actions import runtime
from actions.guard import guarded
from actions.nlu_values import entity_text, scalar_text
from casebook.clock import utc_now
from casebook.models import Rating
from casebook.service_forms import service_forms

logger = logging.getLogger(__name__)


def score_of(tracker: Tracker) -> int | None:
    entity = entity_text(tracker, "rating")
    if entity in {"1", "2", "3"}:
        return int(entity)
    # Typed ratings: the longest matching word decides (不满意 before 满意).
    words = service_forms().rating_words
    text = str(tracker.latest_message.get("text") or "")
    found = [word for word in words if word in text]
    return words[max(found, key=len)] if found else None


def _store(rating: Rating) -> None:
    with Session(runtime.engine()) as session:
        earlier = session.exec(select(Rating).where(Rating.conversation_id == rating.conversation_id)).first()
        if earlier is not None:
            earlier.score, earlier.route, earlier.channel = rating.score, rating.route, rating.channel
            earlier.created_at = utc_now()
            rating = earlier
        session.add(rating)
        session.commit()


class ActionRecordRating(Action):
    def name(self) -> str:
        return "action_record_rating"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        score = score_of(tracker)
        if score is None:
            dispatcher.utter_message(response="utter_thanks_for_rating")
            return []
        rating = Rating(
            conversation_id=tracker.sender_id,
            score=score,
            route=scalar_text(tracker.get_slot("route"), 32),
            channel=tracker.get_latest_input_channel() or "web",
        )
        try:
            await asyncio.to_thread(_store, rating)
        except SQLAlchemyError:
            logger.exception("could not store a rating")
            dispatcher.utter_message(response="utter_rating_failed")
            return []
        dispatcher.utter_message(response="utter_thanks_for_rating")
        return []
