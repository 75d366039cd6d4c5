"""The staff console in real headless Chromium against the real stack: signing in and out, the
queue and a case, taking over a resident's live web chat, and what a role may not see.

One resident's web chat (its own browser profile) asks for a person once; staff of three roles,
each in a browser profile of their own, work on the case it opened.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import pytest
from browser_helpers import bot_texts, say, wait_for_reply
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session

from api.console.security import hash_password
from casebook.console_tables import StaffUser
from casebook.db import create_db_engine
from scripts.stack import Stack

pytestmark = pytest.mark.browser

TIMEOUT_MS = 30_000
REFERENCE = re.compile(r"[A-Z]{2}-[2-9A-Z]{4}-[2-9A-Z]{4}")
PASSWORD = "Gongzheng-2026-示例"
# username: (role, display name)
STAFF = {
    "zhang.head": ("head", "张所长"),
    "li.clerk": ("clerk", "李接待员"),
    "zhao.notary": ("notary_assistant", "赵协办员"),
}
LEGAL_QUESTION = "老板拖欠我三个月工资一直不给，我该怎么办"


@contextmanager
def browser_page(browser: Browser, base_url: str, **context: Any) -> Iterator[Page]:
    """A page in a fresh browser profile; no script errors or alert() on it by the end."""
    ctx = browser.new_context(base_url=base_url, locale="zh-CN", **context)
    ctx.set_default_timeout(TIMEOUT_MS)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"script error: {error}"))
    page.on("dialog", lambda dialog: (errors.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    try:
        yield page
    finally:
        ctx.close()
    assert errors == []


def sign_in(page: Page, username: str, password: str = PASSWORD) -> None:
    page.goto("/console/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    page.locator("#login-button").click()


def search_queue(page: Page, reference: str, status: str = "") -> None:
    page.goto("/console/queue")
    page.locator("#filter-status").select_option(status)
    page.locator("#filter-q").fill(reference)
    page.locator("#filter-submit").click()
    page.wait_for_load_state()


@pytest.fixture(scope="module")
def staff_accounts(stack: Stack) -> dict[str, tuple[str, str]]:
    """Accounts as `python -m api.console.admin create-user` makes them, at a cheap scrypt cost."""
    engine = create_db_engine(stack.settings.database_url_absolute)
    try:
        with Session(engine) as db:
            for username, (role, display_name) in STAFF.items():
                password_hash = hash_password(PASSWORD, n=2**10)
                db.add(StaffUser(username=username, display_name=display_name, role=role, password_hash=password_hash))
            db.commit()
    finally:
        engine.dispose()
    return STAFF


@pytest.fixture(scope="module")
def console(browser: Browser, base_url: str, staff_accounts: dict[str, Any]) -> Iterator[Callable[[str], Page]]:
    """The console signed in as `username`, one browser profile per account, kept for the module."""
    pages: dict[str, Page] = {}
    with ExitStack() as profiles:

        def signed_in(username: str) -> Page:
            if username not in pages:
                page = profiles.enter_context(browser_page(browser, base_url, viewport={"width": 1280, "height": 900}))
                sign_in(page, username)
                expect(page).to_have_url(re.compile(r"/console/queue$"))
                pages[username] = page
            return pages[username]

        yield signed_in


@pytest.fixture(scope="module")
def resident(browser: Browser, base_url: str) -> Iterator[tuple[Page, str]]:
    """A resident's web chat on a phone that has asked for a person, and the case reference it was given."""
    with browser_page(
        browser, base_url, viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True
    ) as page:
        page.goto("/")
        wait_for_reply(page, 0)
        say(page, "我要找工作人员")
        found = REFERENCE.search("\n".join(bot_texts(page)))
        assert found, bot_texts(page)
        yield page, found.group(0)


def test_staff_sign_in_with_the_right_password_and_sign_out_ends_the_session(
    browser: Browser, base_url: str, staff_accounts: dict[str, Any]
) -> None:
    with browser_page(browser, base_url) as page:
        page.goto("/console")
        expect(page).to_have_url(re.compile(r"/console/login\?next="))
        expect(page.locator("#login-heading")).to_have_text("工作人员登录")

        sign_in(page, "zhang.head", "not-the-password-123")
        expect(page.locator("#error-message")).to_have_text("用户名或密码不正确。")
        expect(page.locator("#login-form")).to_be_visible()
        expect(page.locator("#username")).to_have_value("zhang.head")  # kept; the password is not
        expect(page.locator("#password")).to_have_value("")

        page.locator("#password").fill(PASSWORD)
        page.locator("#login-button").click()
        expect(page).to_have_url(re.compile(r"/console/queue$"))
        expect(page.locator("h1")).to_have_text("案件队列")
        expect(page.locator("#current-user")).to_have_text("张所长（所长）")
        expect(page.locator("#current-user")).to_have_attribute("data-role", "head")
        # Chromium keeps the Secure session cookie on http://127.0.0.1: no special context needed.
        cookies = [c for c in page.context.cookies() if c["name"] == "console_session"]
        assert len(cookies) == 1, page.context.cookies()
        session_cookie = cookies[0]
        assert session_cookie["secure"] and session_cookie["httpOnly"] and session_cookie["sameSite"] == "Strict"
        assert session_cookie["path"] == "/console"

        page.locator("#logout-button").click()
        expect(page).to_have_url(re.compile(r"/console/login\?out=1$"))
        expect(page.locator("#notice")).to_have_text("您已退出登录。")
        page.goto("/console/queue")
        expect(page).to_have_url(re.compile(r"/console/login\?next="))
        # The old cookie, put back, opens nothing: signing out ended the session on the server.
        page.context.add_cookies([session_cookie])
        page.goto("/console/queue")
        expect(page).to_have_url(re.compile(r"/console/login\?next="))
        expect(page.locator("#case-table, #queue-empty")).to_have_count(0)


def test_a_clerk_finds_the_residents_request_for_a_person_accepts_it_and_adds_a_note(
    resident: tuple[Page, str], console: Callable[[str], Page]
) -> None:
    _, reference = resident
    clerk = console("li.clerk")

    clerk.goto("/console/queue")
    row = clerk.locator(f"#case-table tr#case-{reference}")
    expect(row).to_have_attribute("data-kind", "handoff")
    expect(row).to_have_attribute("data-status", "new")
    search_queue(clerk, reference)
    expect(clerk.locator("#case-table tbody tr")).to_have_count(1)
    expect(row.locator(".kind")).to_have_text("转人工")
    expect(row.locator(".status")).to_have_text("新提交")
    expect(clerk.locator("#case-count")).to_have_text("共 1 件")

    row.locator("a.case-link").click()
    expect(clerk).to_have_url(re.compile(rf"/console/cases/{reference}$"))
    expect(clerk.locator("#case-heading")).to_have_text(f"转人工 {reference}")
    expect(clerk.locator("#case-summary")).to_have_attribute("data-status", "new")
    expect(clerk.locator("#transcript-lines .line.user").filter(has_text="我要找工作人员")).to_have_count(1)
    expect(clerk.locator("#transcript-lines .line.bot").filter(has_text=reference)).not_to_have_count(0)

    clerk.locator("#status-accepted").click()
    expect(clerk.locator("#case-summary")).to_have_attribute("data-status", "accepted")
    expect(clerk.locator("#case-status")).to_have_text("已受理")
    expect(clerk.locator("#history-list .event[data-action=status]")).to_contain_text("新提交 → 已受理")
    expect(clerk.locator("#status-in_progress")).to_be_visible()  # the next steps are offered
    expect(clerk.locator("#status-accepted")).to_have_count(0)

    note = "已电话联系居民，约定明天上午来所里面谈。"
    clerk.locator("#note-text").fill(note)
    clerk.locator("#note-button").click()
    expect(clerk.locator("#notes-list .note")).to_have_count(1)
    expect(clerk.locator("#notes-list .note p")).to_have_text(note)
    expect(clerk.locator("#notes-list .note .meta")).to_contain_text("李接待员")
    expect(clerk.locator("#case-status")).to_have_text("已受理")

    search_queue(clerk, reference)  # the queue shows the new status too
    expect(row).to_have_attribute("data-status", "accepted")
    expect(row.locator(".status")).to_have_text("已受理")


def test_staff_take_over_the_web_chat_talk_with_the_resident_and_hand_back_to_the_assistant(
    resident: tuple[Page, str], console: Callable[[str], Page]
) -> None:
    chat, reference = resident
    clerk = console("li.clerk")
    staff_bubbles = chat.locator("#log .msg.staff")
    expect(staff_bubbles).to_have_count(0)

    clerk.goto(f"/console/cases/{reference}")
    clerk.locator("#takeover-start").get_by_role("button", name="接管对话").click()
    expect(clerk).to_have_url(re.compile(rf"/console/cases/{reference}#takeover$"))
    clerk.locator("#takeover-text").fill("您好，我是李接待员，请问您住在哪个村？")
    clerk.locator("#takeover-message").get_by_role("button", name="发送").click()
    expect(clerk).to_have_url(re.compile(rf"/console/cases/{reference}#takeover$"))
    expect(clerk.locator("#transcript-lines")).to_contain_text("请问您住在哪个村")

    # The resident's page looks for staff messages every few seconds.
    expect(staff_bubbles).to_have_count(2, timeout=15_000)
    expect(staff_bubbles.first).to_contain_text("工作人员李接待员已加入对话")
    expect(staff_bubbles.last).to_have_text("您好，我是李接待员，请问您住在哪个村？")

    say(chat, "我住在杏花村")
    assert "转给工作人员" in bot_texts(chat)[-1]  # the assistant is paused: the words went to staff
    clerk.reload()
    expect(clerk.locator("#transcript-lines .line.user").last).to_contain_text("我住在杏花村")

    clerk.locator("#takeover-end").get_by_role("button", name="交还助手").click()
    expect(clerk).to_have_url(re.compile(rf"/console/cases/{reference}#takeover$"))
    expect(staff_bubbles).to_have_count(3, timeout=15_000)
    expect(staff_bubbles.last).to_contain_text("法律服务助手继续为您服务")

    say(chat, LEGAL_QUESTION)
    answer = "\n".join(bot_texts(chat)[-3:])
    assert "法律依据" in answer, bot_texts(chat)
    assert "转给工作人员" not in bot_texts(chat)[-1]
    expect(staff_bubbles).to_have_count(3)


def test_a_notary_assistant_neither_sees_nor_opens_a_request_for_a_person(
    resident: tuple[Page, str], console: Callable[[str], Page]
) -> None:
    _, reference = resident
    notary = console("zhao.notary")
    expect(notary.locator("#current-user")).to_have_attribute("data-role", "notary_assistant")

    search_queue(notary, reference, status="all")
    expect(notary.locator(f"#case-{reference}")).to_have_count(0)
    expect(notary.locator("#queue-empty")).to_have_text("没有符合条件的案件。")
    expect(notary.locator("#case-count")).to_have_text("共 0 件")
    expect(notary.locator("#filter-kind option[value=handoff]")).to_have_count(0)

    response = notary.goto(f"/console/cases/{reference}")
    assert response is not None and response.status == 404
    expect(notary.locator("#error-page")).to_have_attribute("data-code", "case_not_found")
    expect(notary.locator("#error-message")).to_have_text("没有找到这个案件，或者它不属于您的岗位。")
    expect(notary.locator("#case-summary, #transcript, #takeover")).to_have_count(0)
    expect(notary.get_by_text("我要找工作人员")).to_have_count(0)

    response = notary.goto("/console/queue?kind=handoff")
    assert response is not None and response.status == 403
    expect(notary.locator("#error-message")).to_have_text("您的岗位看不到这类案件。")
