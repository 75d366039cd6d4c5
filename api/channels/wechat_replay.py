"""Each signed callback URL is used once: a nonce cache for the timestamp window.

A signature only proves that WeChat made the URL (token, timestamp, nonce), and in plain mode
the body is not covered at all. Whoever saw one URL (a proxy log, a shared network) could post
any message with it until the timestamp goes stale. So the first body seen with a
timestamp and nonce is remembered until that timestamp would be refused anyway: the same URL
with the same body again is WeChat retrying (answered once by the callback key), with
another body it is a replay.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from api.channels.wechat import MAX_CLOCK_SKEW_SECONDS
from api.channels.wechat_tables import WeChatNonce
from casebook.clock import utc_now

# A signed URL is accepted this long either side of its timestamp, and remembered as long.
REPLAY_WINDOW = timedelta(seconds=MAX_CLOCK_SKEW_SECONDS)


class ReplayedCallback(Exception):
    """A signed URL used again with another body: HTTP 403."""


def remember_callback(
    engine: Engine, *, timestamp: int, nonce: str, body: bytes, window: timedelta = REPLAY_WINDOW
) -> None:
    """Record this URL's first use, or raise ReplayedCallback if it came before with another body."""
    url_key = hashlib.sha256(f"{timestamp}:{nonce}".encode()).hexdigest()
    digest = hashlib.sha256(body).hexdigest()
    # Accepted while |now - timestamp| <= window: remembered until then, whatever the clocks say.
    expires_at = datetime.fromtimestamp(timestamp, UTC) + window
    with Session(engine) as session:
        session.add(WeChatNonce(url_key=url_key, body_digest=digest, expires_at=expires_at))
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            earlier = session.get(WeChatNonce, url_key)
            if earlier is None or earlier.body_digest != digest:
                raise ReplayedCallback("a signed URL used again with another body") from None
            return
        session.exec(delete(WeChatNonce).where(col(WeChatNonce.expires_at) < utc_now()))
        session.commit()
