"""The API authenticates to Rasa with a signed, expiring bearer token in a header, never in a URL."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time

import httpx

from api.rasa_client import RasaClient

SECRET = "s3cret-shared-with-rasa"


def claims(authorization: str, secret: str) -> dict[str, object]:
    """Verify an HS256 JWT as sanic-jwt does for Rasa, and return its claims."""
    scheme, token = authorization.split(" ")
    assert scheme == "Bearer"
    header, payload, signature = token.split(".")
    expected = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    assert hmac.compare_digest(base64.urlsafe_b64decode(signature + "=="), expected)
    assert json.loads(base64.urlsafe_b64decode(header + "==")) == {"alg": "HS256", "typ": "JWT"}
    decoded: dict[str, object] = json.loads(base64.urlsafe_b64decode(payload + "=="))
    return decoded


def test_every_call_to_rasa_carries_an_admin_jwt_and_no_token_in_the_url() -> None:
    seen: list[httpx.Request] = []

    def rasa(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[] if request.url.path.startswith("/webhooks") else {})

    async def calls() -> None:
        http = httpx.AsyncClient(transport=httpx.MockTransport(rasa))
        client = RasaClient("http://rasa", timeout=5, auth_token=SECRET, http=http)
        await client.send("web-" + "a" * 32, "你好")
        await client.tracker("web-" + "a" * 32, include_events="ALL")
        await client.append_events("web-" + "a" * 32, [])
        await client.parse("你好")
        await client.aclose()

    asyncio.run(calls())
    assert len(seen) == 4
    for request in seen:
        assert SECRET not in str(request.url) and "token" not in request.url.params
        payload = claims(request.headers["Authorization"], SECRET)
        assert payload["user"] == {"username": "api", "role": "admin"}
        assert 0 < int(payload["exp"]) - time.time() <= 300  # type: ignore[call-overload]
