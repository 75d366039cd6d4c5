"""Real headless Chromium (Debian's package, launched by Playwright) against the real stack.

Playwright cannot download its own browser here, so it drives /usr/bin/chromium, which
scripts/setup_browser.sh installs. One stack serves the whole browser suite.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from scripts.stack import Stack

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# Generous: the first reply of a fresh stack loads the model's lazy parts.
TIMEOUT_MS = 30_000


@pytest.fixture(scope="session")
def stack(real_stack: Callable[[str], AbstractContextManager[Stack]]) -> Iterator[Stack]:
    with real_stack("browser-stack") as running:
        yield running


@pytest.fixture(scope="session")
def base_url(stack: Stack) -> str:
    return f"http://{stack.settings.api_host}:{stack.settings.api_port}"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `bash scripts/setup_browser.sh` (as root) first")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@contextmanager
def open_page(browser: Browser, base_url: str, **context: Any) -> Iterator[tuple[Page, list[str]]]:
    """A page in a fresh browser profile, and the uncaught script errors and alert() calls it had."""
    ctx = browser.new_context(base_url=base_url, locale="zh-CN", **context)
    ctx.set_default_timeout(TIMEOUT_MS)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"script error: {error}"))
    page.on("dialog", lambda dialog: (errors.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    try:
        yield page, errors
    finally:
        ctx.close()


@pytest.fixture
def phone(browser: Browser, base_url: str) -> Iterator[Page]:
    """The web chat on a small phone (360 × 740)."""
    with open_page(browser, base_url, viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True) as (
        page,
        errors,
    ):
        yield page
    assert errors == []


@pytest.fixture
def kiosk(browser: Browser, base_url: str) -> Iterator[Page]:
    """The lobby kiosk: a portrait touch screen (1080 × 1920)."""
    with open_page(browser, base_url, viewport={"width": 1080, "height": 1920}, has_touch=True) as (page, errors):
        yield page
    assert errors == []
