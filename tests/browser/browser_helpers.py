"""What a resident does on the page, and waiting for the assistant's whole reply."""

from __future__ import annotations

from playwright.sync_api import Locator, Page

BOT_BUBBLES = "#log .msg.bot"


def bot_count(page: Page) -> int:
    return page.locator(BOT_BUBBLES).count()


def wait_for_reply(page: Page, before: int) -> None:
    """Until new bot bubbles are on screen and the typing indicator has gone (the reply is complete)."""
    page.wait_for_function(
        "n => document.querySelectorAll('#log .msg.bot').length > n && document.getElementById('typing').hidden",
        arg=before,
    )


def say(page: Page, text: str) -> None:
    before = bot_count(page)
    page.locator("#input").fill(text)
    page.locator("#input").press("Enter")
    wait_for_reply(page, before)


def tap(page: Page, target: Locator) -> None:
    before = bot_count(page)
    target.click()
    wait_for_reply(page, before)


def reply_button(page: Page, title: str) -> Locator:
    """A suggested reply under the assistant's latest message."""
    return page.locator("#log .buttons").last.get_by_role("button", name=title, exact=True)


def bot_texts(page: Page) -> list[str]:
    return [text.strip() for text in page.locator(BOT_BUBBLES).all_text_contents()]


def user_texts(page: Page) -> list[str]:
    return [text.strip() for text in page.locator("#log .msg.user").all_text_contents()]
