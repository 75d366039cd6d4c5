"""Request bodies are capped at the edge: HTTP 413 in Chinese before anything parses them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from api.security.body_limit import BodyLimit
from api.security.limit_rules import limit_rules

TOO_LARGE = limit_rules().messages.too_large


def capped_app(parsed: list[int]) -> FastAPI:
    app = FastAPI()

    @app.post("/api/echo")
    async def echo(request: Request) -> dict[str, int]:
        body = await request.json()
        parsed.append(len(body["message"]))
        return {"length": len(body["message"])}

    @app.post("/console/notes")
    async def note(request: Request) -> dict[str, int]:
        return {"length": len(await request.body())}

    app.add_middleware(BodyLimit, default_bytes=1024, by_prefix={"/console": 4096}, detail=TOO_LARGE)
    return app


def json_body(characters: int) -> bytes:
    return b'{"message": "' + b"a" * characters + b'"}'


def test_a_body_within_the_cap_is_parsed_as_usual() -> None:
    parsed: list[int] = []
    response = TestClient(capped_app(parsed)).post("/api/echo", content=json_body(900))
    assert response.status_code == 200 and parsed == [900]


def test_a_declared_length_above_the_cap_is_refused_without_reading_the_body() -> None:
    parsed: list[int] = []
    response = TestClient(capped_app(parsed)).post("/api/echo", content=json_body(2000))
    assert response.status_code == 413
    assert response.json() == {"detail": TOO_LARGE}
    assert parsed == []


def test_each_prefix_has_its_own_cap() -> None:
    client = TestClient(capped_app([]))
    assert client.post("/console/notes", content=b"x" * 3000).status_code == 200
    assert client.post("/console/notes", content=b"x" * 5000).status_code == 413


async def chunks(total: int, sent: list[int], size: int = 256) -> AsyncIterator[bytes]:
    """A body without Content-Length (chunked), recording how much the server pulled."""
    for start in range(0, total, size):
        chunk = b"a" * min(size, total - start)
        sent.append(len(chunk))
        yield chunk


async def post_streamed(app: FastAPI, body: AsyncIterator[bytes]) -> httpx.Response:
    # httpx's ASGI transport hands the body over chunk by chunk, as a server would.
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as client:
        return await client.post("/api/echo", content=body)


def test_a_streamed_body_is_cut_at_the_cap_and_never_parsed() -> None:
    parsed: list[int] = []
    sent: list[int] = []
    response = asyncio.run(post_streamed(capped_app(parsed), chunks(1_000_000, sent)))
    assert response.status_code == 413
    assert response.json() == {"detail": TOO_LARGE}
    assert parsed == []
    assert sum(sent) <= 1024 + 256  # stopped reading at the cap, not after a megabyte


def test_a_streamed_body_within_the_cap_is_served() -> None:
    parsed: list[int] = []

    async def body() -> AsyncIterator[bytes]:
        yield json_body(300)[:100]
        yield json_body(300)[100:]

    response = asyncio.run(post_streamed(capped_app(parsed), body()))
    assert response.status_code == 200 and parsed == [300]
