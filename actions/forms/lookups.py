"""The lockout and record of lookups by reference + phone, as the status actions use them."""

from __future__ import annotations

from datetime import timedelta

from rasa_sdk import Tracker
from sqlmodel import Session

from actions import runtime
from actions.nlu_values import client_key
from casebook.clock import utc_now
from casebook.models import LookupAction
from casebook.services.lookups import LookupLimits, lookups_locked, record_lookup
from casebook.settings import get_settings


def limits() -> LookupLimits:
    settings = get_settings()
    return LookupLimits(
        per_conversation=settings.lookup_max_failures_per_conversation,
        per_client=settings.lookup_max_failures_per_client,
        window=timedelta(minutes=settings.lookup_window_minutes),
    )


def locked(tracker: Tracker) -> bool:
    with Session(runtime.engine()) as session:
        return lookups_locked(
            session, conversation_id=tracker.sender_id, client=client_key(tracker), limits=limits(), now=utc_now()
        )


def record(tracker: Tracker, action: LookupAction, reference: str, found: bool) -> None:
    with Session(runtime.engine()) as session:
        record_lookup(
            session,
            conversation_id=tracker.sender_id,
            client=client_key(tracker),
            action=action,
            reference=reference,
            found=found,
            at=utc_now(),
        )
