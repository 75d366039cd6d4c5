"""Passwords, tokens and cookies of the staff console: the small primitives, no database."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from functools import cache

from starlette.responses import Response

MIN_PASSWORD_CHARS = 12

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
    """True when a password is too weak to accept: short, one repeated character, or the username."""
    if len(password) < MIN_PASSWORD_CHARS or len(set(password)) < 2:
        return True
    return bool(username) and username.lower() in password.lower()


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
