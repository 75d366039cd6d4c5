"""The office writes the answer it was missing, in real headless Chromium against the real stack.

A resident asks a point no entry answers and is deferred; a knowledge editor writes it up from the
gaps page (each citation checked as it is typed), a reviewer approves it, and a resident asking
the same point in the web chat is answered from the new entry, with no restart. Withdrawn, it is
no longer answered.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

import pytest
from browser_helpers import bot_texts, say, wait_for_reply
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session

from actions.office_knowledge import REFRESH_SECONDS
from api.console.security import hash_password
from casebook.console_tables import StaffUser
from casebook.db import create_db_engine
from scripts.stack import Stack

pytestmark = pytest.mark.browser

TIMEOUT_MS = 30_000
PASSWORD = "Gongzheng-2026-示例"
EDITOR, REVIEWER = "wang.editor", "chen.reviewer"
# A point the shipped knowledge base leaves open: a used-car dealer who hid a rolled-back odometer.
UNANSWERED = "在二手车商那里买的车，里程表被调过，能退吗"
PHRASINGS = [
    "买的二手车被调了里程，能退一赔三吗",
    "车商卖二手车把公里数调少了算欺诈吗",
    "二手车行隐瞒了调表，能要三倍赔偿吗",
]
ANSWER = (
    "从二手车经销商那里买车，商家明知里程表被调过却不告诉你，一般属于欺诈：你可以要求退车退款，"
    "还可以要求增加赔偿车价的三倍（不足五百元的按五百元算）。要保留合同、车辆检测或维修记录里的真实里程等证据，"
    "先找商家协商，也可以向市场监督管理部门投诉或到法院起诉。从个人手里买的车不适用这一条。"
    "拿不准怎么主张的，可以到司法所咨询。"
)
# A sentence of the answer no shipped entry says: the reply came from the office's entry.
OWN_WORDS = "拿不准怎么主张的，可以到司法所咨询"


@pytest.fixture(scope="module")
def accounts(stack: Stack) -> None:
    engine = create_db_engine(stack.settings.database_url_absolute)
    try:
        with Session(engine) as db:
            for username, role, name in (
                (EDITOR, "knowledge_editor", "王维护员"),
                (REVIEWER, "knowledge_reviewer", "陈审核人"),
            ):
                db.add(
                    StaffUser(
                        username=username, display_name=name, role=role, password_hash=hash_password(PASSWORD, n=2**10)
                    )
                )
            db.commit()
    finally:
        engine.dispose()


def page_of(browser: Browser, base_url: str, **context: object) -> Iterator[Page]:
    ctx = browser.new_context(base_url=base_url, locale="zh-CN", **context)
    ctx.set_default_timeout(TIMEOUT_MS)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"script error: {error}"))
    try:
        yield page
    finally:
        ctx.close()
    assert errors == []


@pytest.fixture
def staff(browser: Browser, base_url: str, accounts: None) -> Iterator[Page]:
    yield from page_of(browser, base_url, viewport={"width": 1280, "height": 900})


@pytest.fixture
def resident(browser: Browser, base_url: str) -> Iterator[Page]:
    yield from page_of(browser, base_url, viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)


def sign_in(page: Page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/console/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(PASSWORD)
    page.locator("#login-button").click()
    expect(page).to_have_url(re.compile(r"/console/queue$"))


def ask(page: Page, question: str) -> str:
    """A new conversation asking one question; the assistant's reply to it."""
    page.context.clear_cookies()
    page.goto("/")
    wait_for_reply(page, 0)
    before = len(bot_texts(page))
    say(page, question)
    return "\n".join(bot_texts(page)[before:])


def test_an_editor_writes_up_a_gap_a_reviewer_approves_and_residents_are_answered_from_it(
    staff: Page, resident: Page
) -> None:
    deferred = ask(resident, UNANSWERED)
    assert "还没有能直接回答的内容" in deferred and OWN_WORDS not in deferred

    # The editor finds the gap and writes it up; the resident's point is the first question.
    sign_in(staff, EDITOR)
    staff.locator("#nav-gaps").click()
    row = staff.locator("#gaps-table tbody tr", has_text="里程表").first
    row.locator(".write-entry").click()
    point = staff.locator("#gap-point").inner_text()
    assert point and point in unicodedata.normalize("NFKC", UNANSWERED)  # as the chat endpoint passed it on
    expect(staff.locator("#entry-questions")).to_have_value(point)
    staff.locator("#entry-area").select_option("消费权益")
    staff.locator("#entry-sub-area").fill("二手车调表")
    staff.locator("#entry-questions").fill("\n".join([point, *PHRASINGS]))
    staff.locator("#entry-answer").fill(ANSWER)

    # Each citation is checked as it is typed: a keyword the article does not contain is caught.
    staff.locator("#law-1").fill("消费者权益保护法")
    staff.locator("#article-1").fill("55")
    staff.locator("#keywords-1").fill("十倍")
    expect(staff.locator("#check-1")).to_have_attribute("data-state", "problem")
    expect(staff.locator("#check-1")).to_contain_text("条文中找不到")
    staff.locator("#keywords-1").fill("欺诈、三倍")
    expect(staff.locator("#check-1")).to_have_attribute("data-state", "ok")
    expect(staff.locator("#check-1")).to_contain_text("增加赔偿的金额为消费者购买商品的价款")
    staff.locator("#save-draft").click()
    expect(staff.locator("#notice")).to_contain_text("草稿已保存")
    expect(staff.locator("#entry-status")).to_have_text("待审核")
    expect(staff.locator("#approve-form")).to_have_count(0)  # the writer never approves
    entry_url = staff.url.split("?")[0]

    # The reviewer reads it beside the article and approves it.
    sign_in(staff, REVIEWER)
    staff.locator("#nav-knowledge").click()
    staff.locator("#entries-table a", has_text="office-").first.click()
    expect(staff.locator("#entry-citations blockquote")).to_contain_text("增加赔偿的金额为消费者购买商品的价款")
    staff.locator("#approve-button").click()
    expect(staff.locator("#notice")).to_contain_text("条目已上线")
    expect(staff.locator("#entry-approver")).to_contain_text(REVIEWER)

    # No restart: the action server looks for changed entries at most every REFRESH_SECONDS.
    resident.wait_for_timeout(REFRESH_SECONDS * 1000 + 500)
    answered = ask(resident, PHRASINGS[0])
    assert OWN_WORDS in answered, answered
    assert "消费者权益保护法" in answered  # the citation under the answer

    # Withdrawn, it is no longer the answer.
    staff.goto(entry_url)
    staff.locator("#withdraw-button").click()
    expect(staff.locator("#notice")).to_contain_text("条目已撤下")
    resident.wait_for_timeout(REFRESH_SECONDS * 1000 + 500)
    assert OWN_WORDS not in ask(resident, PHRASINGS[0])
