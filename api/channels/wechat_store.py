"""What the WeChat channel keeps between callbacks, in the database so that every worker sees it:
the callbacks taken on (with the passive reply given, for WeChat's retries) and the numbered
choices last shown to each conversation."""

from __future__ import annotations

from datetime import timedelta

from pydantic import ValidationError
from sqlalchemy import delete, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api.channels.wechat_replay import REPLAY_WINDOW
from api.channels.wechat_tables import WeChatCallback, WeChatChoices
from api.channels.wechat_texts import Choice
from casebook.clock import utc_now

# WeChat retries three times, 5 s apart: a passive reply (it may hold a form summary) is kept
# for those retries only; the callback's key as long as its URL could come back.
REPLY_MEMORY = timedelta(seconds=60)
CALLBACK_MEMORY = 2 * REPLAY_WINDOW


def claim(engine: Engine, key: str) -> tuple[bool, str | None]:
    """Take on a callback. (False, earlier passive reply or None) if it was taken on already."""
    now = utc_now()
    with Session(engine) as session:
        # First forget what no retry can need any more: replies after a minute, keys after the window.
        stale_reply = col(WeChatCallback.created_at) < now - REPLY_MEMORY
        session.exec(
            update(WeChatCallback).where(stale_reply, col(WeChatCallback.reply).is_not(None)).values(reply=None)
        )
        session.exec(delete(WeChatCallback).where(col(WeChatCallback.created_at) < now - CALLBACK_MEMORY))
        session.commit()
        session.add(WeChatCallback(message_key=key))
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            earlier = session.exec(select(WeChatCallback).where(WeChatCallback.message_key == key)).first()
            return False, earlier.reply if earlier is not None else None
        return True, None


def remember_reply(engine: Engine, key: str, text: str) -> None:
    with Session(engine) as session:
        session.exec(update(WeChatCallback).where(col(WeChatCallback.message_key) == key).values(reply=text[:4000]))
        session.commit()


def load_choices(engine: Engine, conversation: str) -> list[Choice]:
    with Session(engine) as session:
        row = session.get(WeChatChoices, conversation)
        if row is None:
            return []
        try:
            return [Choice.model_validate(choice) for choice in row.choices]
        except ValidationError:
            return []


def save_choices(engine: Engine, conversation: str, choices: list[Choice]) -> None:
    """Remember the choices just shown; a reply without buttons clears them, so "1" means nothing stale."""
    stored = [choice.model_dump() for choice in choices]
    with Session(engine) as session:
        row = session.get(WeChatChoices, conversation)
        if not stored:
            if row is not None:
                session.delete(row)
                session.commit()
            return
        if row is None:
            # The column's name is older than conversation ids: it holds the conversation id.
            session.add(WeChatChoices(user_key=conversation, choices=stored))
        else:
            row.choices = stored
            row.updated_at = utc_now()
            session.add(row)
        try:
            session.commit()
        except IntegrityError:  # the same resident's other message stored choices a moment ago
            session.rollback()
            session.exec(
                update(WeChatChoices)
                .where(col(WeChatChoices.user_key) == conversation)
                .values(choices=stored, updated_at=utc_now())
            )
            session.commit()
