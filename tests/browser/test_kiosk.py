"""The lobby kiosk in real headless Chromium (a 1080 × 1920 touch screen), against the real stack.

The idle test shortens the timeouts with the page's own URL parameters (?idle=2&goodbye=2),
which an office can also use to set one screen's timeouts; the stack keeps its defaults.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from browser_helpers import bot_count, bot_texts, reply_button, say, tap, user_texts
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from api.security.conversation_ids import ConversationIds
from casebook.db import create_db_engine
from casebook.models import Case, CaseKind
from scripts.stack import Stack

pytestmark = pytest.mark.browser

# Every visible piece of text: its size, and its contrast with the background behind it (WCAG formula).
AUDIT_TEXT = """() => {
  const rgb = s => { const p = s.match(/[\\d.]+/g).map(Number); return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 }; };
  const lum = c => [c.r, c.g, c.b].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const background = el => {
    for (let e = el; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor); if (c.a > 0.99) return c; }
    return { r: 255, g: 255, b: 255, a: 1 };
  };
  const failures = [];
  for (const el of document.querySelectorAll("body *")) {
    if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (!box.width || !box.height || style.visibility === "hidden") continue;
    const [a, b] = [lum(rgb(style.color)), lum(background(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(style.fontSize);
    if (size < 24 || ratio < 7) failures.push(`${el.tagName} "${el.textContent.trim().slice(0, 12)}" ${size}px ${ratio.toFixed(1)}:1`);
  }
  return failures;
}"""

# Records what would be read aloud (headless Chromium has no voices to hear).
FAKE_SPEECH = """
window.__spoken = [];
Object.defineProperty(window, "speechSynthesis", {
  configurable: true,
  value: { speak: u => window.__spoken.push(u.text), cancel: () => {} },
});
if (!window.SpeechSynthesisUtterance) window.SpeechSynthesisUtterance = function (text) { this.text = text; };
"""


def service(page: Page, title: str) -> Any:
    return page.locator(f'.services button[data-title="{title}"]')


def sender(page: Page) -> str:
    value = page.evaluate("sessionStorage.getItem('fawu-kiosk-sender')")
    assert isinstance(value, str) and value.startswith("kiosk-")
    return value


def conversation_of(stack: Stack, token: str) -> str:
    """The id Rasa and the database know the page's conversation by."""
    conversation_id = ConversationIds.from_settings(stack.settings).resident(token)
    assert conversation_id is not None
    return conversation_id


def cases_of(stack: Stack, token: str) -> list[Case]:
    engine = create_db_engine(stack.settings.database_url_absolute)
    with Session(engine) as session:
        found = list(session.exec(select(Case).where(Case.conversation_id == conversation_of(stack, token))).all())
    engine.dispose()
    return found


def test_the_welcome_screen_is_large_high_contrast_and_keeps_nothing_in_local_storage(kiosk: Page) -> None:
    kiosk.goto("/kiosk")
    assert kiosk.evaluate("document.documentElement.lang") == "zh-CN"
    for title in ("申请调解", "法律援助", "办公证", "预约律师", "问个问题", "转人工"):
        expect(service(kiosk, title)).to_be_visible()
        assert service(kiosk, title).evaluate("b => b.tagName") == "BUTTON"
    assert kiosk.evaluate(AUDIT_TEXT) == []
    kiosk.keyboard.press("Tab")
    assert kiosk.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    assert kiosk.evaluate("localStorage.length") == 0 and sender(kiosk)


def test_a_resident_asks_a_question_hears_it_read_aloud_and_reads_the_article_on_screen(kiosk: Page) -> None:
    kiosk.add_init_script(FAKE_SPEECH)
    kiosk.goto("/kiosk")
    read_aloud = kiosk.locator("#speak")
    read_aloud.click()
    expect(read_aloud).to_have_attribute("aria-pressed", "true")

    tap(kiosk, service(kiosk, "问个问题"))
    expect(kiosk.locator("#welcome")).to_be_hidden()
    expect(kiosk.locator("#input")).to_be_focused()
    say(kiosk, "离婚冷静期从哪天开始算")
    answer = "\n".join(bot_texts(kiosk))
    assert "法律依据" in answer
    spoken = kiosk.evaluate("window.__spoken")
    assert any("法律依据" in text for text in spoken) and not any("http" in text for text in spoken)
    assert kiosk.evaluate(AUDIT_TEXT) == []

    # A cited article opens in a dialog on the kiosk, never in another tab.
    citation = kiosk.locator("#log .citations a").first
    label = citation.inner_text()
    citation.click()
    dialog = kiosk.locator("#statute")
    expect(dialog).to_be_visible()
    expect(kiosk.locator("#statute-title")).to_have_text(label)
    expect(kiosk.locator("#statute-text p").first).to_contain_text("第")
    assert len(kiosk.context.pages) == 1
    kiosk.locator("#statute-close").click()
    expect(dialog).to_be_hidden()


def test_a_mediation_request_with_consent_refused_keeps_nothing(kiosk: Page, stack: Stack) -> None:
    kiosk.goto("/kiosk")
    tap(kiosk, service(kiosk, "申请调解"))
    assert user_texts(kiosk) == ["申请调解"]
    assert "同意吗" in bot_texts(kiosk)[-1]
    tap(kiosk, reply_button(kiosk, "不同意"))
    refusal = bot_texts(kiosk)[-1]
    assert "匿名" in refusal and "12348" in refusal
    assert cases_of(stack, sender(kiosk)) == []


def test_an_idle_kiosk_asks_if_anyone_is_there_then_wipes_everything_for_the_next_person(kiosk: Page) -> None:
    kiosk.goto("/kiosk?idle=2&goodbye=2")
    tap(kiosk, service(kiosk, "问个问题"))
    say(kiosk, "借钱不还怎么办")
    first = sender(kiosk)
    shown = bot_count(kiosk)

    still_there = kiosk.locator("#still-there")
    expect(still_there).to_be_visible(timeout=8000)
    expect(still_there).to_contain_text("还在吗？")
    kiosk.get_by_role("button", name="继续").click()
    expect(still_there).to_be_hidden()
    assert bot_count(kiosk) == shown  # the resident is back: nothing lost

    expect(still_there).to_be_visible(timeout=8000)
    expect(kiosk.locator("#welcome")).to_be_visible(timeout=8000)
    expect(still_there).to_be_hidden()
    assert kiosk.locator("#log > *").count() == 0
    assert "借钱不还" not in kiosk.locator("body").inner_text()
    assert kiosk.locator("#input").input_value() == ""
    assert sender(kiosk) != first
    assert kiosk.evaluate("localStorage.length") == 0


def test_a_lawyer_booked_at_the_kiosk_gets_a_qr_receipt_to_scan_or_print(kiosk: Page, stack: Stack) -> None:
    kiosk.goto("/kiosk")
    tap(kiosk, service(kiosk, "预约律师"))
    tap(kiosk, reply_button(kiosk, "同意"))
    say(kiosk, "公司辞退我没给补偿，想问问律师")
    tap(kiosk, reply_button(kiosk, "最近的空档"))
    say(kiosk, "陈师傅")
    say(kiosk, "13600136000")
    tap(kiosk, reply_button(kiosk, "确认提交"))

    receipt = kiosk.locator("#log .receipt")
    expect(receipt).to_be_visible()
    reference = receipt.locator(".receipt-reference").inner_text()
    assert re.fullmatch(r"LS[0-9A-Z-]{8,30}", reference)
    expect(receipt).to_contain_text("预约律师远程咨询")
    qr = receipt.locator("img.qr")
    # Drawn by the server from a POST (no reference or meeting link in any URL), shown from memory.
    expect(qr).to_have_attribute("src", re.compile(r"^blob:"))
    kiosk.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=qr.element_handle())
    [case] = cases_of(stack, sender(kiosk))
    assert case.kind == CaseKind.lawyer and case.reference == reference

    # 打印 prints the receipt alone (window.print is recorded here, not sent to a printer).
    kiosk.evaluate("""() => { window.print = () => { window.__printed = {
        receipts: document.querySelectorAll('.receipt.printing').length,
        body: document.body.classList.contains('printing-receipt') }; }; }""")
    receipt.get_by_role("button", name="打印").click()
    assert kiosk.evaluate("window.__printed") == {"receipts": 1, "body": True}
    assert kiosk.evaluate("document.querySelectorAll('.printing, .printing-receipt').length") == 0
    kiosk.evaluate(
        "() => { document.body.classList.add('printing-receipt'); document.querySelector('.receipt').classList.add('printing'); }"
    )
    kiosk.emulate_media(media="print")
    expect(receipt).to_be_visible()
    expect(receipt.locator(".receipt-reference")).to_be_visible()
    expect(kiosk.locator("#log .msg").first).to_be_hidden()
    expect(kiosk.locator("header")).to_be_hidden()
    expect(receipt.get_by_role("button", name="打印")).to_be_hidden()
    kiosk.emulate_media(media="screen")
