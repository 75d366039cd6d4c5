"""The web chat in real headless Chromium on a 360 × 740 phone, against the real stack."""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from browser_helpers import bot_count, bot_texts, reply_button, say, tap, user_texts, wait_for_reply
from playwright.sync_api import Page, Route, expect

from api.rasa_client import RasaClient
from api.security.conversation_ids import ConversationIds
from api.services import takeover
from scripts.stack import Stack

pytestmark = pytest.mark.browser

REFERENCE = re.compile(r"[A-Z]{2}-[2-9A-Z]{4}-[2-9A-Z]{4}")


def open_chat(page: Page) -> None:
    page.goto("/")
    wait_for_reply(page, 0)


def test_a_resident_chats_on_a_phone_follows_a_citation_and_finds_everything_after_a_reload(phone: Page) -> None:
    open_chat(phone)
    assert "法律服务助手" in bot_texts(phone)[0]
    assert user_texts(phone) == ["你好"]
    greeting_buttons = phone.locator("#log .buttons").first
    expect(greeting_buttons.get_by_role("button", name="申请人民调解")).to_be_visible()
    # Readable on a small phone: nothing wider than the screen, the way to a person always in view.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    expect(phone.locator("#handoff")).to_be_in_viewport()
    expect(phone.locator("#privacy summary")).to_contain_text("不是律师意见")

    say(phone, "老板拖欠我三个月工资一直不给，我该怎么办")
    assert "法律依据" in "\n".join(bot_texts(phone))
    citation = phone.locator("#log .citations a").first
    expect(citation).to_have_attribute("href", re.compile(r"^/statutes/view\?cite="))
    label = citation.inner_text()
    with phone.expect_popup() as opened:
        citation.click()
    statute = opened.value
    statute.wait_for_load_state()
    law, number = statute.locator(".law").inner_text(), statute.locator("h1").inner_text()
    assert f"{law}{number}" == label and number.startswith("第")
    assert statute.locator(".text p").count() >= 1
    statute.close()

    tap(phone, greeting_buttons.get_by_role("button", name="预约律师"))
    assert "同意" in bot_texts(phone)[-1]
    before = (user_texts(phone), bot_texts(phone), phone.locator("#log .citations a").count())
    assert before[0] == ["你好", "老板拖欠我三个月工资一直不给，我该怎么办", "预约律师"]

    phone.reload()
    expect(phone.locator("#log .msg.bot")).to_have_count(len(before[1]))
    assert (user_texts(phone), bot_texts(phone), phone.locator("#log .citations a").count()) == before
    # The consent question is still waiting for an answer after the reload.
    tap(phone, reply_button(phone, "不同意"))
    assert "12348" in bot_texts(phone)[-1]


def test_html_in_a_message_is_shown_as_text_and_runs_nothing(phone: Page) -> None:
    open_chat(phone)
    message = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script><b>邻居</b>占了我家宅基地怎么办'
    say(phone, message)
    for attempt in ("sent", "reloaded"):
        assert user_texts(phone)[-1] == message, attempt
        assert phone.locator("#log img, #log script, #log b").count() == 0, attempt
        assert phone.evaluate("window.__xss") is None, attempt
        if attempt == "sent":
            phone.reload()
            expect(phone.locator("#log .msg.user")).to_have_count(2)


def test_the_typing_indicator_shows_while_the_assistant_works_and_a_person_is_one_tap_away(phone: Page) -> None:
    held: list[Route] = []
    phone.route("**/api/chat", lambda route: held.append(route))  # the greeting waits for the test
    phone.goto("/")
    while not held:
        phone.wait_for_timeout(50)
    expect(phone.locator("#typing")).to_be_visible()
    expect(phone.locator("#typing")).to_have_attribute("role", "status")
    assert user_texts(phone) == ["你好"] and bot_count(phone) == 0
    held[0].continue_()
    phone.unroute("**/api/chat")
    wait_for_reply(phone, 0)
    expect(phone.locator("#typing")).to_be_hidden()

    tap(phone, phone.locator("#handoff"))
    assert user_texts(phone)[-1] == "转人工"
    assert REFERENCE.search("\n".join(bot_texts(phone))), bot_texts(phone)


def test_a_member_of_staff_joins_the_web_chat_and_the_resident_sees_their_messages(phone: Page, stack: Stack) -> None:
    open_chat(phone)
    say(phone, "我要找工作人员")
    token = phone.evaluate("window.localStorage.getItem('fawu-chat-sender')")
    sender = ConversationIds.from_settings(stack.settings).resident(token)
    assert sender is not None

    async def staff(step: str, text: str = "") -> None:
        rasa = RasaClient(stack.settings.rasa_url, timeout=30, auth_token=stack.settings.rasa_auth_token)
        try:
            if step == "start":
                await takeover.start(rasa, None, conversation_id=sender, staff_name="李调解员")
            else:
                await takeover.say(rasa, None, conversation_id=sender, staff_name="李调解员", text=text)
        finally:
            await rasa.aclose()

    # Playwright's sync API owns this thread's event loop: the staff side runs in another thread.
    with ThreadPoolExecutor(max_workers=1) as other:
        other.submit(asyncio.run, staff("start")).result()
        other.submit(asyncio.run, staff("say", "您好，我是李调解员，请问您住在哪个村？")).result()
    staff_bubbles = phone.locator("#log .msg.staff")
    expect(staff_bubbles).to_have_count(2, timeout=15_000)  # the page looks every few seconds
    expect(staff_bubbles.last).to_contain_text("请问您住在哪个村")
    say(phone, "我住在杏花村")
    assert "工作人员" in bot_texts(phone)[-1]  # the assistant is paused: the message went to staff
    phone.reload()
    expect(phone.locator("#log .msg.staff")).to_have_count(2)  # shown as staff after a reload too
