"""The WeChat channel's own tables: who to push to, and which signed URLs were used already.

(`wechat_callbacks` and `wechat_choices` are older and live in api/models.py.)
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from api.models import utc_now


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
