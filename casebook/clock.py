"""Now, in UTC: the one clock the tables' timestamps are taken from."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)
