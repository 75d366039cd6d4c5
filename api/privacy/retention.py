"""Retention: conversations and closed cases kept no longer than their purpose needs (PIPL art. 19).

- A conversation whose last message is older than `retention_days`, and that no open or recently
  closed case still needs, loses its rows (Rasa's events, knowledge-gap questions, WeChat address).
  Knowledge-gap questions older than that go too, whatever tracker store Rasa used.
- A case closed (or not accepted) more than `closed_case_retention_days` ago keeps its record but
  loses the resident's name, phone and story (erasure.anonymise).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import inspect, or_, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from api.console.workflow import OPEN_STATUSES
from api.privacy.erasure import anonymise, delete_rows
from api.privacy.personal_data import personal_data
from casebook.models import Case, KnowledgeGap


@dataclass(frozen=True)
class Purged:
    """Counts only: what a purge removed, or would remove with `dry_run`."""

    conversations: int
    rows: dict[str, int]
    knowledge_gaps: int
    cases_anonymised: int


def held_conversations(session: Session, since: datetime) -> set[str]:
    """Conversations a case still needs: it is open, or it changed after `since`."""
    statement = select(Case.conversation_id).where(
        or_(col(Case.status).in_(list(OPEN_STATUSES)), col(Case.updated_at) >= since)
    )
    return set(session.exec(statement).all())


def idle_conversations(session: Session, since: datetime) -> set[str]:
    """Conversations in Rasa's tracker store whose last event is older than `since`."""
    if not inspect(session.connection()).has_table("events"):
        return set()
    rows = session.connection().execute(
        text("SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :since"),
        {"since": since.timestamp()},  # Rasa stores epoch seconds
    )
    return {sender for (sender,) in rows}


def old_questions(session: Session, since: datetime, held: set[str]) -> list[KnowledgeGap]:
    """Knowledge-gap questions asked before `since` in conversations no case needs."""
    statement = select(KnowledgeGap).where(col(KnowledgeGap.created_at) < since)
    return [gap for gap in session.exec(statement).all() if gap.conversation_id not in held]


def closed_cases_due(session: Session, since: datetime) -> list[Case]:
    statement = select(Case).where(col(Case.status).not_in(list(OPEN_STATUSES)), col(Case.updated_at) < since)
    return list(session.exec(statement).all())


def purge(
    engine: Engine,
    *,
    retention_days: int,
    closed_case_retention_days: int,
    now: datetime | None = None,
    dry_run: bool = False,
) -> Purged:
    now = now or datetime.now(UTC)
    conversations_before = now - timedelta(days=retention_days)
    cases_before = now - timedelta(days=closed_case_retention_days)
    with Session(engine) as session:
        held = held_conversations(session, conversations_before)
        expired = sorted(idle_conversations(session, conversations_before) - held)
        deleted: Counter[str] = delete_rows(session, personal_data().conversation_rows, expired)
        old_gaps = old_questions(session, conversations_before, held)
        for gap in old_gaps:
            session.delete(gap)
        gaps = deleted["knowledge_gaps"] + len(old_gaps)
        anonymised = [case for case in closed_cases_due(session, cases_before) if anonymise(case)]
        session.add_all(anonymised)
        if dry_run:
            session.rollback()
        else:
            session.commit()
    return Purged(conversations=len(expired), rows=dict(deleted), knowledge_gaps=gaps, cases_anonymised=len(anonymised))
