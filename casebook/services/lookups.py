"""Looking a case up by reference + phone: every attempt recorded, misses lock for a while.

A reference and a phone number are all a resident shows to see a booking or cancel it, so
someone holding one of them could try the other: a masked phone (138****8000) has only 10,000
completions. Misses are counted per conversation and per client address (the API's keyed hash);
past the limit no lookup is made at all until the window has passed. The phone is not stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, func, select

from casebook.models import LookupAction, LookupAttempt


@dataclass(frozen=True)
class LookupLimits:
    per_conversation: int
    per_client: int
    window: timedelta


def record_lookup(
    session: Session,
    *,
    conversation_id: str,
    client: str | None,
    action: LookupAction,
    reference: str,
    found: bool,
    at: datetime,
) -> None:
    session.add(
        LookupAttempt(
            conversation_id=conversation_id, client=client, action=action, reference=reference[:32], found=found, at=at
        )
    )
    session.commit()


def _misses(session: Session, since: datetime, *conditions: object) -> int:
    statement = (
        select(func.count())
        .select_from(LookupAttempt)
        .where(col(LookupAttempt.found).is_(False), LookupAttempt.at >= since, *conditions)  # type: ignore[arg-type]
    )
    return int(session.exec(statement).one())


def lookups_locked(
    session: Session, *, conversation_id: str, client: str | None, limits: LookupLimits, now: datetime
) -> bool:
    """Whether this conversation or client missed too often in the window to try again now."""
    since = now - limits.window
    if _misses(session, since, LookupAttempt.conversation_id == conversation_id) >= limits.per_conversation:
        return True
    return client is not None and _misses(session, since, LookupAttempt.client == client) >= limits.per_client
