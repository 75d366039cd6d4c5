"""Signing staff in and out: password check, throttling of wrong passwords (throttle.py),
server-side sessions with an absolute and an idle lifetime."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, select

from api.console import throttle
from api.console.security import burn_password_check, new_token, token_hash, verify_password
from api.console.throttle import ThrottlePolicy
from casebook import audit
from casebook.clock import as_utc
from casebook.console_tables import StaffSession, StaffUser

USERNAME_PATTERN = r"[a-z0-9_.-]{3,32}"
# The counters' name for anything typed that cannot be a username at all.
_NOT_A_USERNAME = "?"
# A session's last activity is written at most this often, not on every page.
_SEEN_EVERY = timedelta(minutes=1)


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


def throttle_name(username: str) -> str:
    """The name the throttle counts an attempt under (typed text that is no username counts as one)."""
    key = normalize_username(username)
    return key if re.fullmatch(USERNAME_PATTERN, key) else _NOT_A_USERNAME


def authenticate(
    session: Session, *, username: str, password: str, client: str, now: datetime, policy: ThrottlePolicy
) -> StaffUser:
    """The user whose password this is; raises LoginRefused.

    Run after throttle.before_check let the attempt through, inside a password-check slot.
    Audited: every sign-in, the first wrong password of a series from one client, and each
    lockout (with the count), so a flood of guesses writes a handful of rows, not one each.
    """
    key = normalize_username(username)
    name = throttle_name(username)
    user = find_user(session, key) if name != _NOT_A_USERNAME else None
    if user is not None and user.active:
        valid = verify_password(password, user.password_hash)
    else:
        burn_password_check(password)  # the same time for unknown and disabled accounts
        valid = False
    if valid and user is not None:
        throttle.record_success(session, username=name, client=client)
        audit.record(session, action="login", at=now, user=user)
        return user
    failure = throttle.record_failure(session, username=name, client=client, now=now, policy=policy)
    detail = {"client": client, "failures": failure.pair_failures}
    if failure.locked:
        # A typed-in name of an unknown account may be anything, even a phone number: audit masks it.
        audit.record(session, action="lockout", at=now, user=user, actor=key, detail=detail)
        raise LoginRefused("locked", int(policy.lockout.total_seconds() // 60))
    if failure.first:
        audit.record(session, action="login_failed", at=now, user=user, actor=key, detail=detail)
    else:
        session.commit()
    raise LoginRefused("login_failed")


def unlock(session: Session, username: str) -> None:
    throttle.unlock(session, normalize_username(username))


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
        last_seen_at=now,
    )
    session.add(staff_session)
    session.commit()
    session.refresh(staff_session)
    return token, staff_session


def session_for(
    session: Session, *, token: str | None, now: datetime, idle: timedelta
) -> tuple[StaffUser, StaffSession] | None:
    """The user and session behind a cookie token, if the session is live (neither past its
    lifetime nor unused for `idle`) and the account active."""
    if not token:
        return None
    staff_session = session.exec(select(StaffSession).where(StaffSession.token_hash == token_hash(token))).first()
    if staff_session is None:
        return None
    last_seen = as_utc(staff_session.last_seen_at or staff_session.created_at)
    if as_utc(staff_session.expires_at) <= now or last_seen + idle <= now:
        session.delete(staff_session)
        session.commit()
        return None
    if last_seen + _SEEN_EVERY <= now:
        staff_session.last_seen_at = now
        session.add(staff_session)
        session.commit()
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
