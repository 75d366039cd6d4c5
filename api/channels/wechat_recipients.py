"""Conversation id → OpenID, for the customer-service pushes (slow answers, staff messages).

The push target is looked up here, never derived from the conversation id: a conversation id
is a keyed hash and cannot be turned back into an OpenID, and only signed WeChat callbacks
write rows, so nobody can make staff messages go to an OpenID of their choosing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from api.channels.wechat_tables import WeChatRecipient
from casebook.clock import utc_now

# WeChat accepts customer-service messages for 48 hours after the resident's last message.
RECIPIENT_MEMORY = timedelta(hours=48)


class WeChatRecipients:
    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utc_now) -> None:
        self._engine = engine
        self._clock = clock

    def remember(self, conversation_id: str, openid: str) -> None:
        """The resident just wrote: they can be reached for the next 48 hours."""
        now = self._clock()
        with Session(self._engine) as session:
            row = session.get(WeChatRecipient, conversation_id)
            if row is None:
                session.add(WeChatRecipient(conversation_id=conversation_id, openid=openid, last_message_at=now))
            else:
                row.openid, row.last_message_at = openid, now
                session.add(row)
            try:
                session.commit()
            except IntegrityError:  # the same resident's other message, a moment ago
                session.rollback()
            session.exec(delete(WeChatRecipient).where(col(WeChatRecipient.last_message_at) < now - RECIPIENT_MEMORY))
            session.commit()

    def openid_of(self, conversation_id: str) -> str | None:
        """Whom to push to; None when the conversation is not WeChat's or the window has passed."""
        with Session(self._engine) as session:
            row = session.get(WeChatRecipient, conversation_id)
        if row is None or _aware(row.last_message_at) < self._clock() - RECIPIENT_MEMORY:
            return None
        return row.openid

    def forget(self, conversation_id: str) -> None:
        """The resident unfollowed the account: nothing may be pushed any more."""
        with Session(self._engine) as session:
            session.exec(delete(WeChatRecipient).where(col(WeChatRecipient.conversation_id) == conversation_id))
            session.commit()


def _aware(moment: datetime) -> datetime:
    # SQLite hands datetimes back without their time zone; they were written in UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=utc_now().tzinfo)
