"""The WeChat channel's own tables: who to push to, which signed URLs were used already, which
callbacks were answered and the numbered choices last shown. Users are keyed by a hash of their
OpenID everywhere except WeChatRecipient."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from casebook.clock import utc_now


class WeChatRecipient(SQLModel, table=True):
    """The one place an OpenID is kept: the customer-service API can only address an OpenID.

    Everything else (Rasa, cases, the console, logs) knows the resident by the conversation id,
    a keyed hash of the OpenID. A row lives only as long as WeChat lets the account write to
    the resident (48 hours after their last message).
    """

    __tablename__ = "wechat_recipients"

    conversation_id: str = Field(primary_key=True, max_length=64)
    openid: str = Field(max_length=64)
    last_message_at: datetime = Field(default_factory=utc_now, index=True)


class WeChatNonce(SQLModel, table=True):
    """A signed callback URL already used, remembered while its timestamp would still be accepted.

    The body's digest tells WeChat's own retry (same URL, same body) from a replay with another
    body, which plain mode's signature does not cover. In the database, so every API server
    sees what the others took.
    """

    __tablename__ = "wechat_nonces"

    # sha256 of "<timestamp>:<nonce>": bounded size whatever the caller sends.
    url_key: str = Field(primary_key=True, max_length=64)
    body_digest: str = Field(max_length=64)
    expires_at: datetime = Field(index=True)


class WeChatCallback(SQLModel, table=True):
    """A WeChat callback already taken on: WeChat retries slow ones, every worker must answer once."""

    __tablename__ = "wechat_callbacks"

    id: int | None = Field(default=None, primary_key=True)
    # "msg:<account>:<MsgId>" for messages, "event:<account>:<user hash>:<CreateTime>:<event>" for events.
    message_key: str = Field(unique=True, max_length=200)
    # The passive reply given, so a retry whose answer was lost gets it again.
    reply: str | None = Field(default=None, max_length=4000)
    created_at: datetime = Field(default_factory=utc_now, index=True)


class WeChatChoices(SQLModel, table=True):
    """The buttons of the bot's last reply to a WeChat user, shown as numbered choices."""

    __tablename__ = "wechat_choices"

    user_key: str = Field(primary_key=True, max_length=64)
    # [{"title": "申请调解", "payload": "/request_mediation"}, ...] in the order they were numbered.
    choices: list[dict[str, str]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utc_now)
