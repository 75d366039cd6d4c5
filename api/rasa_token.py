"""The API's credential towards Rasa: a short-lived JWT in the `Authorization` header.

Rasa runs with `--jwt-secret` (scripts/rasa_server.py) and no `--auth-token`, so its HTTP API
accepts only a signed bearer token: nothing secret travels in a URL, where access logs and
proxies would keep it. Rasa grants the role "admin" every conversation (rasa/server.py,
`requires_auth`); the same token opens the REST channel (the launcher's middleware).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

# Long enough for a slow turn, short enough that a leaked header soon stops working.
LIFETIME_SECONDS = 300


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def admin_token(secret: str, *, now: float | None = None, lifetime: int = LIFETIME_SECONDS) -> str:
    """An HS256 JWT with Rasa's admin role, valid for `lifetime` seconds from `now`."""
    issued = int(time.time() if now is None else now)
    header = {"alg": "HS256", "typ": "JWT"}
    payload = {"user": {"username": "api", "role": "admin"}, "iat": issued, "exp": issued + lifetime}
    signing_input = ".".join(_b64(json.dumps(part, separators=(",", ":")).encode()) for part in (header, payload))
    signature = hmac.new(secret.encode(), signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def bearer_headers(secret: str) -> dict[str, str]:
    """Headers for one request to Rasa; empty when no secret is set (a Rasa without auth)."""
    return {"Authorization": f"Bearer {admin_token(secret)}"} if secret else {}
