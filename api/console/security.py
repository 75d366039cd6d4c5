"""Passwords, tokens and cookies of the staff console: the small primitives, no database."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import cache

from starlette.responses import Response

from api.console.password_policy import password_policy

# scrypt with N=2^15, r=8, p=1 (about 32 MiB and 0.1 s a check): the parameters OWASP lists for
# scrypt. They are stored with each hash, so raising them later keeps old hashes verifiable.
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
_MAXMEM = 64 * 1024 * 1024
_KEY_BYTES = 32

SESSION_COOKIE = "console_session"
LOGIN_CSRF_COOKIE = "console_login_csrf"
COOKIE_PATH = "/console"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str, *, n: int = SCRYPT_N) -> str:
    """`scrypt$N$r$p$salt$key`, salt and key in base64."""
    salt = secrets.token_bytes(16)
    key = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=SCRYPT_R, p=SCRYPT_P, maxmem=_MAXMEM, dklen=_KEY_BYTES
    )
    return f"scrypt${n}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(key)
        actual = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=_MAXMEM,
            dklen=len(expected),
        )
    except ValueError:  # a malformed hash never verifies
        return False
    return hmac.compare_digest(actual, expected)


@cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def burn_password_check(password: str) -> None:
    """Spend the time of a real check, so an unknown username answers as slowly as a known one."""
    verify_password(password, _dummy_hash())


def is_weak_password(password: str, *, username: str = "") -> bool:
    """True when a password is too weak to accept (api/console/password_policy.yml)."""
    return password_policy().is_weak(password, username=username)


class PasswordChecksBusy(Exception):
    """Every password-check slot stayed taken while the request waited."""


class PasswordChecks:
    """At most `limit` password checks at once in this process, so sign-in attempts (each a
    32 MiB, 0.1 s scrypt) cannot take all the CPU and memory. A request waits for a slot without
    holding a thread, and is turned away after `wait_seconds`."""

    def __init__(self) -> None:
        # One semaphore per event loop (tests run several loops in one process).
        self._slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )

    @asynccontextmanager
    async def slot(self, *, limit: int, wait_seconds: float) -> AsyncIterator[None]:
        slots = self._slots.setdefault(asyncio.get_running_loop(), asyncio.Semaphore(limit))
        try:
            await asyncio.wait_for(slots.acquire(), wait_seconds)
        except TimeoutError as error:
            raise PasswordChecksBusy from error
        try:
            yield
        finally:
            slots.release()


PASSWORD_CHECKS = PasswordChecks()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same_token(given: str | None, expected: str | None) -> bool:
    """Constant-time comparison; a missing token never matches."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


@dataclass(frozen=True)
class CookiePolicy:
    """How the console's cookies are set: HttpOnly and SameSite=Strict always, Secure by setting."""

    secure: bool
    max_age_seconds: int

    def set(self, response: Response, name: str, value: str) -> None:
        response.set_cookie(
            name,
            value,
            max_age=self.max_age_seconds,
            path=COOKIE_PATH,
            secure=self.secure,
            httponly=True,
            samesite="strict",
        )

    def delete(self, response: Response, name: str) -> None:
        response.delete_cookie(name, path=COOKIE_PATH, secure=self.secure, httponly=True, samesite="strict")
