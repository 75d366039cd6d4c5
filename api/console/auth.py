"""Signing staff in and out: password check, lockout after repeated failures, server-side sessions."""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, select

from api.console import audit
from api.console.models import LoginThrottle, StaffSession, StaffUser
from api.console.security import burn_password_check, new_token, token_hash, verify_password
from api.console.workflow import as_utc

USERNAME_PATTERN = r"[a-z0-9_.-]{3,32}"
# Failure counts of usernames nobody has tried for a day are forgotten (unless locked).
_THROTTLE_MEMORY = timedelta(days=1)


class LoginRefused(Exception):
    """`code` is "login_failed" or "locked" (then `minutes` says how long)."""

    def __init__(self, code: str, minutes: int = 0):
        super().__init__(code)
        self.code = code
        self.minutes = minutes


def normalize_username(username: str) -> str:
    return username.strip().lower()


def find_user(session: Session, username: str) -> StaffUser | None:
    return session.exec(select(StaffUser).where(StaffUser.username == normalize_username(username))).first()


def authenticate(
    session: Session, *, username: str, password: str, now: datetime, max_failures: int, lockout_minutes: int
) -> StaffUser:
    """The user whose password this is; raises LoginRefused. Every attempt is audited."""
    key = normalize_username(username)
    if not re.fullmatch(USERNAME_PATTERN, key):
        burn_password_check(password)
        audit.record(session, action="login_failed", at=now, actor=key)
        raise LoginRefused("login_failed")
    throttle = session.get(LoginThrottle, key)
    if throttle is not None and throttle.locked_until is not None and as_utc(throttle.locked_until) > now:
        audit.record(session, action="login_locked", at=now, actor=key)
        raise LoginRefused("locked", _minutes_left(as_utc(throttle.locked_until), now))
    user = find_user(session, key)
    if user is not None and user.active:
        valid = verify_password(password, user.password_hash)
    else:
        burn_password_check(password)  # the same time for unknown and disabled accounts
        valid = False
    if valid and user is not None:
        if throttle is not None:
            session.delete(throttle)
        audit.record(session, action="login", at=now, user=user)
        return user
    session.exec(
        delete(LoginThrottle).where(
            col(LoginThrottle.last_failure_at) < now - _THROTTLE_MEMORY,
            col(LoginThrottle.locked_until).is_(None) | (col(LoginThrottle.locked_until) < now),
        )
    )
    throttle = session.get(LoginThrottle, key) or LoginThrottle(username=key)
    throttle.failures += 1
    throttle.last_failure_at = now
    if throttle.failures >= max_failures:
        throttle.failures, throttle.locked_until = 0, now + timedelta(minutes=lockout_minutes)
        session.add(throttle)
        audit.record(session, action="lockout", at=now, user=user, actor=key)
        raise LoginRefused("locked", lockout_minutes)
    session.add(throttle)
    audit.record(session, action="login_failed", at=now, user=user, actor=key)
    raise LoginRefused("login_failed")


def _minutes_left(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds() / 60))


def unlock(session: Session, username: str) -> None:
    throttle = session.get(LoginThrottle, normalize_username(username))
    if throttle is not None:
        session.delete(throttle)
        session.commit()


def open_session(session: Session, *, user: StaffUser, now: datetime, hours: int) -> tuple[str, StaffSession]:
    """A new session for a signed-in user; returns the cookie token (stored only as a hash)."""
    session.exec(delete(StaffSession).where(col(StaffSession.expires_at) < now))
    token = new_token()
    assert user.id is not None
    staff_session = StaffSession(
        token_hash=token_hash(token),
        user_id=user.id,
        csrf_token=new_token(),
        created_at=now,
        expires_at=now + timedelta(hours=hours),
    )
    session.add(staff_session)
    session.commit()
    session.refresh(staff_session)
    return token, staff_session


def session_for(session: Session, *, token: str | None, now: datetime) -> tuple[StaffUser, StaffSession] | None:
    """The user and session behind a cookie token, if the session is live and the account active."""
    if not token:
        return None
    staff_session = session.exec(select(StaffSession).where(StaffSession.token_hash == token_hash(token))).first()
    if staff_session is None:
        return None
    if as_utc(staff_session.expires_at) <= now:
        session.delete(staff_session)
        session.commit()
        return None
    user = session.get(StaffUser, staff_session.user_id)
    if user is None or not user.active:
        return None
    return user, staff_session


def close_session(session: Session, staff_session: StaffSession) -> None:
    session.delete(staff_session)
    session.commit()


def end_all_sessions(session: Session, user: StaffUser) -> None:
    """Sign a user out everywhere (new password, account disabled)."""
    session.exec(delete(StaffSession).where(col(StaffSession.user_id) == user.id))
    session.commit()
