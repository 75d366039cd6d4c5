"""Throttling sign-in attempts without handing anyone a way to lock staff out.

Three counters of wrong passwords, each raised in one statement (an upsert that returns the new
count), so parallel guesses all count:
- one account from one client: locked after `pair_max_failures` (settings console_max_failures).
  Only that client is locked out; the person at their own desk still signs in.
- one client, whatever the usernames: locked after `client_max_failures`. This stops a client
  that sprays usernames, each of which would otherwise cost a full password hash.
- one account from anywhere: past `account_slowdown_after` failures every attempt on it waits
  `account_slowdown` before its password is checked. Slower, never refused: guessing from many
  clients gets slow, and the account's owner still gets in.
A counter forgets its failures after a quiet `window`. Clients are kept as a hash of their address.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from casebook.clock import as_utc
from casebook.console_tables import LoginCounter
from casebook.settings import Settings


@dataclass(frozen=True)
class ThrottlePolicy:
    pair_max_failures: int
    client_max_failures: int
    account_slowdown_after: int
    account_slowdown: timedelta
    lockout: timedelta

    @property
    def window(self) -> timedelta:
        return self.lockout

    @classmethod
    def of(cls, settings: Settings) -> ThrottlePolicy:
        return cls(
            pair_max_failures=settings.console_max_failures,
            client_max_failures=settings.console_client_max_failures,
            account_slowdown_after=settings.console_account_slowdown_after,
            account_slowdown=timedelta(seconds=settings.console_account_slowdown_seconds),
            lockout=timedelta(minutes=settings.console_lockout_minutes),
        )


def client_id(address: str) -> str:
    """A stable short name for a client, not its address (which is personal data of staff too)."""
    return hashlib.sha256(f"console-client:{address}".encode()).hexdigest()[:16]


def _keys(username: str, client: str) -> tuple[str, str, str]:
    return f"account:{username}", f"client:{client}", f"pair:{username}:{client}"


@dataclass(frozen=True)
class Verdict:
    """Before a password is checked: refused while locked (`locked_minutes`), or made to wait."""

    locked_minutes: int = 0
    wait_seconds: float = 0.0


def _counter(session: Session, key: str) -> LoginCounter | None:
    return session.get(LoginCounter, key, populate_existing=True)


def _minutes_left(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds() / 60))


def before_check(session: Session, *, username: str, client: str, now: datetime, policy: ThrottlePolicy) -> Verdict:
    account_key, client_key, pair_key = _keys(username, client)
    for key in (client_key, pair_key):
        counter = _counter(session, key)
        if counter is not None and counter.locked_until is not None and as_utc(counter.locked_until) > now:
            return Verdict(locked_minutes=_minutes_left(as_utc(counter.locked_until), now))
    account = _counter(session, account_key)
    if (
        account is not None
        and account.failures >= policy.account_slowdown_after
        and as_utc(account.last_failure_at) > now - policy.window
    ):
        return Verdict(wait_seconds=policy.account_slowdown.total_seconds())
    return Verdict()


def _bump(session: Session, *, key: str, username: str | None, now: datetime, window: timedelta) -> int:
    """One more failure, in one statement; a counter quiet for a window starts again at 1."""
    table = LoginCounter.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(table)
        .values(key=key, username=username, failures=1, last_failure_at=now)
        .on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "failures": case((table.c.last_failure_at < now - window, 1), else_=table.c.failures + 1),
                "last_failure_at": now,
            },
        )
        .returning(table.c.failures)
    )
    return int(session.execute(statement).scalar_one())


def _lock(session: Session, key: str, until: datetime) -> None:
    session.execute(update(LoginCounter).where(col(LoginCounter.key) == key).values(failures=0, locked_until=until))


@dataclass(frozen=True)
class Failure:
    """What a wrong password led to: the first of a series (audited), or a lockout (audited)."""

    pair_failures: int
    first: bool
    locked: bool


def record_failure(session: Session, *, username: str, client: str, now: datetime, policy: ThrottlePolicy) -> Failure:
    """Count a wrong password on all three counters (in the caller's transaction)."""
    account_key, client_key, pair_key = _keys(username, client)
    _bump(session, key=account_key, username=username, now=now, window=policy.window)
    client_failures = _bump(session, key=client_key, username=None, now=now, window=policy.window)
    pair_failures = _bump(session, key=pair_key, username=username, now=now, window=policy.window)
    until = now + policy.lockout
    locked = False
    if pair_failures >= policy.pair_max_failures:
        _lock(session, pair_key, until)
        locked = True
    if client_failures >= policy.client_max_failures:
        _lock(session, client_key, until)
        locked = True
    return Failure(pair_failures=pair_failures, first=pair_failures == 1, locked=locked)


def record_success(session: Session, *, username: str, client: str) -> None:
    """The person is who they said: their client's failures on this account are forgotten.
    The account's own count is kept, so a success cannot reset a guessing campaign elsewhere."""
    session.execute(delete(LoginCounter).where(col(LoginCounter.key) == _keys(username, client)[2]))


def unlock(session: Session, username: str) -> None:
    """Lift every lockout and slowdown of an account (the admin command)."""
    session.execute(delete(LoginCounter).where(col(LoginCounter.username) == username))
    session.commit()


def locked_until(session: Session, username: str, now: datetime) -> datetime | None:
    """The latest lockout of this account on any client, if one is running (for list-users)."""
    counters = session.exec(select(LoginCounter).where(col(LoginCounter.username) == username)).all()
    running = [as_utc(c.locked_until) for c in counters if c.locked_until is not None and as_utc(c.locked_until) > now]
    return max(running, default=None)
