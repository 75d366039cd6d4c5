"""Lookups by reference + phone: all recorded, misses lock per conversation and per client."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from casebook.models import LookupAction, LookupAttempt
from casebook.services.lookups import LookupLimits, lookups_locked, record_lookup

NOW = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)
LIMITS = LookupLimits(per_conversation=3, per_client=5, window=timedelta(hours=1))


def miss(session: Session, conversation: str, client: str | None, at: datetime = NOW) -> None:
    record_lookup(
        session,
        conversation_id=conversation,
        client=client,
        action=LookupAction.status,
        reference="LS-AAAA-BBBB",
        found=False,
        at=at,
    )


def locked(session: Session, conversation: str, client: str | None, now: datetime = NOW) -> bool:
    return lookups_locked(session, conversation_id=conversation, client=client, limits=LIMITS, now=now)


def test_a_conversation_is_locked_after_a_few_misses(session: Session) -> None:
    for _ in range(2):
        miss(session, "web-a", None)
    assert not locked(session, "web-a", None)
    miss(session, "web-a", None)
    assert locked(session, "web-a", None)
    assert not locked(session, "web-b", None)  # another conversation is not


def test_a_client_switching_conversations_is_locked_too(session: Session) -> None:
    for i in range(5):
        miss(session, f"web-{i}", "c-0123456789abcdef")
    assert locked(session, "web-new", "c-0123456789abcdef")
    assert not locked(session, "web-new", "c-fedcba9876543210")
    assert not locked(session, "web-new", None)


def test_the_lock_ends_with_its_window(session: Session) -> None:
    for _ in range(3):
        miss(session, "web-a", None, at=NOW - timedelta(hours=2))
    assert not locked(session, "web-a", None)


def test_found_lookups_do_not_count_and_every_attempt_is_recorded_without_the_phone(session: Session) -> None:
    for _ in range(4):
        record_lookup(
            session,
            conversation_id="web-a",
            client=None,
            action=LookupAction.status,
            reference="LS-AAAA-BBBB",
            found=True,
            at=NOW,
        )
    assert not locked(session, "web-a", None)
    rows = session.exec(select(LookupAttempt)).all()
    assert len(rows) == 4 and "phone" not in LookupAttempt.model_fields
