"""Forgetting one conversation when its resident asks ("清除本机对话记录", PIPL art. 47)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.privacy.erasure import anonymise_cases, delete_rows
from api.privacy.personal_data import personal_data

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Forgotten:
    """What went: rows deleted per table, and cases whose personal fields were blanked."""

    rows: dict[str, int]
    cases_anonymised: int


def forget_conversation(engine: Engine, conversation_id: str) -> Forgotten:
    """Delete the conversation (Rasa's events, its questions, ratings, WeChat address) and blank
    the personal fields of its cases, in one transaction. The cases themselves stay: they are
    the office's record of what it was asked to do (docs/privacy.md). Safe to repeat."""
    data = personal_data()
    with Session(engine) as session:
        deleted = delete_rows(session, [*data.conversation_rows, *data.forgotten_rows], [conversation_id])
        anonymised = anonymise_cases(session, conversation_id)
        session.commit()
    # Counts only: the conversation id links to a person.
    logger.info("forgot a conversation: %s rows deleted, %d cases anonymised", sum(deleted.values()), anonymised)
    return Forgotten(rows=dict(deleted), cases_anonymised=anonymised)
