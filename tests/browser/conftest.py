"""Real headless Chromium (Debian's package, launched by Playwright) against the real stack.

Playwright cannot download its own browser here, so it drives /usr/bin/chromium, which
scripts/setup_browser.sh installs. One stack serves the whole browser suite.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from api.settings import Settings
from knowledge.consultant import Consultant
from scripts.stack import Stack

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# Generous: the first reply of a fresh stack loads the model's lazy parts.
TIMEOUT_MS = 30_000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, consultant: Consultant, index_dir: Path) -> Iterator[Stack]:
    # `consultant` has built the index in index_dir; the action server reads the same one.
    workdir = tmp_path_factory.mktemp("browser-stack")
    settings = Settings(
        database_url=f"sqlite:///{workdir / 'assistant.db'}",
        api_port=free_port(),
        rasa_port=free_port(),
        action_port=free_port(),
        index_dir=index_dir,
    )
    running = Stack(settings, var_dir=workdir, log_dir=workdir / "logs")
    try:
        running.start(timeout=240)
    except Exception:
        running.stop()
        for log in sorted((workdir / "logs").glob("*.log")):
            print(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}")
        raise
    yield running
    running.stop()


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
