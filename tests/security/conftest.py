"""What the attacks on the real stack share: one stack per test module, and Rasa reached directly
with the token the API uses, as a bypassed edge would reach it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
from wechat_attacker import FakeWeChatApi

from api.rasa_client import RasaClient
from scripts.stack import Stack

# A call of Rasa's HTTP API: given a client, what to ask it.
RasaCall = Callable[[RasaClient], Awaitable[Any]]


@pytest.fixture(scope="module")
def stack(
    real_stack: Callable[[str], AbstractContextManager[Stack]], request: pytest.FixtureRequest
) -> Iterator[Stack]:
    """The real stack, started once for the module whose tests ask for it (its logs in a folder
    named after the module)."""
    with real_stack(request.module.__name__.rpartition(".")[2]) as running:
        yield running


@pytest.fixture(scope="module")
def rasa_direct(stack: Stack) -> Callable[[RasaCall], Any]:
    """Runs one call against the stack's Rasa, with a client of its own, and returns its answer."""

    def call(use: RasaCall) -> Any:
        async def run() -> Any:
            rasa = RasaClient(stack.settings.rasa_url, timeout=60, auth_token=stack.settings.rasa_auth_token)
            try:
                return await use(rasa)
            finally:
                await rasa.aclose()

        return asyncio.run(run())

    return call


@pytest.fixture
def wechat_api() -> Iterator[FakeWeChatApi]:
    """WeChat's API on a local port, for the attacks on the WeChat channel."""
    api = FakeWeChatApi()
    yield api
    api.close()
