"""Answering legal questions: safety first, then the answer, a choice, or an honest deferral."""

from __future__ import annotations

import asyncio
import base64
import logging
from typing import Any

import numpy as np
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from actions import runtime
from actions.cases import alert_staff
from actions.contact import OFFERED_SLOT
from actions.guard import guarded
from actions.metrics import KNOWLEDGE_SEARCH_SECONDS
from actions.nlu_values import area_of, area_or_none
from actions.replies import utter_reply
from casebook.services.gaps import record_knowledge_gap
from knowledge.consultant import Consultation
from knowledge.reading.cues import DANGER_CUES

logger = logging.getLogger(__name__)

# The key bot/components/e5_featurizer.py puts the vector under (VECTOR_KEY there; the bot's
# package is not importable in this environment).
NLU_VECTOR_KEY = "e5_vector"


def _decoded(values: object) -> np.ndarray | None:
    """base64 of little-endian float32 (vector_text in bot/components/e5_featurizer.py), or the
    list of numbers a server from before that change sends."""
    try:
        if isinstance(values, str):
            raw = base64.b64decode(values, validate=True)
            return np.frombuffer(raw, dtype="<f4").astype(np.float32) if raw and len(raw) % 4 == 0 else None
        if isinstance(values, list) and values:
            return np.asarray(values, dtype=np.float32)
    except (TypeError, ValueError):  # binascii.Error is a ValueError
        pass
    return None


def nlu_vector(tracker: Tracker) -> np.ndarray | None:
    """The message's e5 vector as the NLU computed it (bot/config.yml: expose_vector), if any."""
    vector = _decoded(tracker.latest_message.get(NLU_VECTOR_KEY))
    if vector is None:
        return None
    norm = float(np.linalg.norm(vector))
    return vector / norm if vector.ndim == 1 and np.isfinite(norm) and norm > 0 else None


def _consult(message: str, area: str | None, confidence: float, vector: np.ndarray | None) -> Consultation:
    consultant = runtime.current_consultant()
    with KNOWLEDGE_SEARCH_SECONDS.time():
        return consultant.consult(message, area, confidence, vector)


async def consult(tracker: Tracker) -> Consultation:
    """The knowledge layer's reading of the resident's latest message (off the event loop), with
    the office's own entries as approved a few seconds ago at most."""
    area = tracker.latest_message.get("area")
    area = area if isinstance(area, dict) else {}
    confidence = area.get("confidence")
    return await asyncio.to_thread(
        _consult,
        str(tracker.latest_message.get("text") or ""),
        area_or_none(area.get("name")),
        float(confidence) if isinstance(confidence, (int, float)) else 0.0,
        nlu_vector(tracker),
    )


def _record_gap(conversation_id: str, question: str, consultation: Consultation) -> None:
    best = consultation.result.best
    with Session(runtime.engine()) as session:
        record_knowledge_gap(
            session,
            conversation_id=conversation_id,
            question=question,
            point=consultation.question,
            best_entry_id=best.entry_id if best else None,
            best_score=best.dense if best else None,
        )


async def record_gap(tracker: Tracker, consultation: Consultation) -> None:
    """A question no entry answered becomes work for staff: write the entry it needed."""
    try:
        await asyncio.to_thread(_record_gap, tracker.sender_id, tracker.latest_message.get("text") or "", consultation)
    except SQLAlchemyError:
        logger.exception("could not record a knowledge gap")


class ActionAnswerQuestion(Action):
    def name(self) -> str:
        return "action_answer_question"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        consultation = await consult(tracker)
        reply = consultation.reply
        utter_reply(dispatcher, reply)  # the safety advice is its first paragraph when there is danger
        events: list[EventType] = []
        if tracker.get_slot(OFFERED_SLOT):  # the resident moved on: the offer to keep a number lapses
            events.append(SlotSet(OFFERED_SLOT, None))
        if any(cue in DANGER_CUES for cue in consultation.safety):
            reference = await alert_staff(dispatcher, tracker)
            if reference:
                events.append(SlotSet("handoff_reference", reference))
        if reply.kind in ("defer", "unsure"):
            await record_gap(tracker, consultation)
        if reply.entry_id is None:
            return [*events, SlotSet("answered_entry", None), SlotSet("area", reply.area or area_of(tracker))]
        return [
            *events,
            SlotSet("area", reply.area),
            SlotSet("answered_entry", reply.entry_id),
            SlotSet("route", "faq"),
        ]
