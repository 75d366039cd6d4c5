"""Answering legal questions from the knowledge base."""

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
from actions.replies import utter_reply
from api.services.gaps import record_knowledge_gap

logger = logging.getLogger(__name__)


def _record_gap(conversation_id: str, question: str, best_entry_id: str | None, best_score: float | None) -> None:
    with Session(runtime.engine()) as session:
        record_knowledge_gap(
            session,
            conversation_id=conversation_id,
            question=question,
            best_entry_id=best_entry_id,
            best_score=best_score,
        )


class ActionAnswerQuestion(Action):
    def name(self) -> str:
        return "action_answer_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        question = tracker.latest_message.get("text") or ""
        area = tracker.latest_message.get("area") or {}
        reply, result = await asyncio.to_thread(
            runtime.consultant().answer, question, area.get("name"), float(area.get("confidence") or 0.0)
        )
        utter_reply(dispatcher, reply)
        if reply.entry_id is None:
            best = result.best
            try:
                await asyncio.to_thread(
                    _record_gap,
                    tracker.sender_id,
                    question,
                    best.entry_id if best else None,
                    best.dense if best else None,
                )
            except SQLAlchemyError:
                logger.exception("could not record a knowledge gap")
            return [SlotSet("answered_entry", None)]
        return [SlotSet("area", reply.area), SlotSet("answered_entry", reply.entry_id), SlotSet("route", "faq")]
