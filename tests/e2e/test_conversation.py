"""A resident's whole conversation through the API, with the real trained model, Rasa server and
action server, and a real database; then everything restarts and nothing is lost."""

from __future__ import annotations

import asyncio
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from api.rasa_client import RasaClient
from api.services import takeover
from casebook.db import create_db_engine
from casebook.models import Case, CaseKind, KnowledgeGap
from scripts.stack import Stack
from tests.e2e.resident import Resident, texts

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack(real_stack: Callable[[str], AbstractContextManager[Stack]]) -> Iterator[Stack]:
    with real_stack("stack") as running:
        yield running


def payloads(replies: list[dict[str, Any]]) -> set[str]:
    return {b["payload"] for r in replies for b in r.get("buttons") or []}


def cases_of(stack: Stack, sender: str) -> list[Case]:
    engine = create_db_engine(stack.settings.database_url_absolute)
    with Session(engine) as session:
        found = list(session.exec(select(Case).where(Case.conversation_id == sender)).all())
    engine.dispose()
    return found


SERVICES = {"/request_mediation", "/request_legal_aid", "/request_notarization", "/request_lawyer"}


def test_a_resident_is_greeted_helped_handed_over_and_nothing_is_lost_on_restart(stack: Stack) -> None:
    resident = Resident(stack)

    greeting = resident.say("你好呀")
    assert "法律服务助手" in texts(greeting)
    assert payloads(greeting) >= SERVICES

    capabilities = resident.say("你都能帮我干点啥")
    assert "法律咨询" in texts(capabilities) and SERVICES | {"/request_human"} <= payloads(capabilities)

    answer = resident.say("老板拖欠我三个月工资一直不给，我该怎么办")
    assert "法律依据" in texts(answer)
    assert any(r.get("custom", {}).get("citations") for r in answer)
    assert "不是律师的法律意见" in texts(answer)

    handoff = resident.say("我要找工作人员")
    reference = re.search(r"[A-Z]{2}-[2-9A-Z]{4}-[2-9A-Z]{4}", texts(handoff))
    assert reference, texts(handoff)
    again = resident.say("转人工")  # a second request is the same case
    assert reference.group() in texts(again)
    cases = cases_of(stack, resident.sender)
    assert [(c.kind, c.reference) for c in cases] == [(CaseKind.handoff, reference.group())]
    assert cases[0].area == "劳动纠纷"

    assert "超出了我的范围" in texts(resident.say("今天天气怎么样"))
    assert "再见" in texts(resident.say("好的，再见"))
    before = resident.transcript()
    assert [line["text"] for line in before if line["sender"] == "user"][:2] == ["你好呀", "你都能帮我干点啥"]

    stack.stop()
    stack.start(timeout=240)

    assert resident.transcript() == before
    assert [c.reference for c in cases_of(stack, resident.sender)] == [reference.group()]
    assert "法律依据" in texts(resident.say("去民政局办离婚说要等一个月冷静，是真的吗"))


def test_a_resident_in_danger_gets_emergency_numbers_and_staff_are_alerted(stack: Stack) -> None:
    resident = Resident(stack)
    replies = resident.say("救命，我老公正拿着刀要砍我")
    assert "110" in texts(replies) and "12338" in texts(replies)
    assert [c.kind for c in cases_of(stack, resident.sender)] == [CaseKind.danger]


def test_violence_inside_a_custody_question_is_answered_with_safety_first(stack: Stack) -> None:
    resident = Resident(stack)
    replies = resident.say("我男人一喝酒就打我，孩子才一岁半，我想离婚，孩子能跟我吗")
    first = replies[0]["text"]
    assert "110" in first and "12338" in first  # whether the NLU reads it as an emergency or not
    assert "人身安全保护令" in texts(replies)
    assert len(replies) >= 2  # the custody question is still taken up after the advice
    assert [c.kind for c in cases_of(stack, resident.sender)] == [CaseKind.danger]


def test_a_point_nobody_has_written_up_is_deferred_honestly_and_left_for_staff(stack: Stack) -> None:
    resident = Resident(stack)
    question = "殡葬费用应该由谁来出，兄弟几个吵起来了"
    reply = texts(resident.say(question))
    assert "还没有能直接回答的内容" in reply and "12348" in reply
    engine = create_db_engine(stack.settings.database_url_absolute)
    with Session(engine) as session:
        gap = session.exec(select(KnowledgeGap).where(KnowledgeGap.conversation_id == resident.sender)).one()
    engine.dispose()
    assert gap.question == unicodedata.normalize("NFKC", question)  # as the chat endpoint passed it on
    assert gap.point and gap.point in gap.question


def test_a_phone_number_given_with_a_handoff_is_kept_only_after_a_yes(stack: Stack) -> None:
    resident = Resident(stack)
    asked = resident.say("我叫孙丽，电话13612345678，我要转人工")
    assert "同意" in texts(asked) and "/affirm" in payloads(asked)
    assert [c.phone for c in cases_of(stack, resident.sender)] == [None]
    assert "已记下" in texts(resident.say("/affirm"))
    case = cases_of(stack, resident.sender)[0]
    assert (case.applicant_name, case.phone) == ("孙丽", "13612345678")


def test_html_in_a_message_is_kept_as_plain_text(stack: Stack) -> None:
    resident = Resident(stack)
    resident.say("<script>alert(1)</script> 邻居占了我家宅基地怎么办")
    users = [line["text"] for line in resident.transcript() if line["sender"] == "user"]
    assert users == ["<script>alert(1)</script> 邻居占了我家宅基地怎么办"]


def test_the_tracker_store_is_the_shared_database(stack: Stack) -> None:
    engine = create_db_engine(stack.settings.database_url_absolute)
    with engine.connect() as connection:
        tables = {row[0] for row in connection.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))}
        journal = connection.execute(text("PRAGMA journal_mode")).scalar()
    engine.dispose()
    assert {"events", "cases", "knowledge_gaps"} <= tables
    assert journal == "wal"


def test_a_mediation_intake_from_request_to_reference_with_a_question_and_a_correction(stack: Stack) -> None:
    resident = Resident(stack)
    opening = resident.say("邻居占了我家的路，我想申请调解")
    assert "自愿" in texts(opening) and "同意" in texts(opening)  # what mediation is, then consent
    assert "怎么称呼" in texts(resident.say("同意"))
    assert "电话" in texts(resident.say("王秀兰"))
    assert "号码好像不对" in texts(resident.say("12345"))
    assert "对方" in texts(resident.say("13800138000"))
    assert "哪一类" in texts(resident.say("隔壁邻居张某"))
    assert "哪个村" in texts(resident.say("邻里纠纷"))
    assert "发生了什么" in texts(resident.say("桃源镇杏花村"))
    assert "希望" in texts(resident.say("他盖房占了我家出门的路，说了好几次都不改"))
    summary = texts(resident.say("把路让出来"))
    assert "请核对" in summary and "王秀兰" in summary and "杏花村" in summary

    corrected = texts(resident.say("电话填错了，是13912345678"))
    assert "13912345678" in corrected and "请核对" in corrected
    submitted = texts(resident.say("确认"))
    reference = re.search(r"TJ-[2-9A-Z]{4}-[2-9A-Z]{4}", submitted)
    assert reference, submitted
    [case] = cases_of(stack, resident.sender)
    assert case.kind == CaseKind.mediation and case.phone == "13912345678"
    assert case.details["dispute_place"] == "桃源镇杏花村" and case.details["committee"]

    assert "登记编号" in texts(resident.say("我的申请到哪一步了"))
    assert "电话" in texts(resident.say(reference.group()))
    assert "等待工作人员受理" in texts(resident.say("13912345678"))


def test_a_legal_question_in_the_middle_of_a_form_is_answered_and_the_form_goes_on(stack: Stack) -> None:
    resident = Resident(stack)
    resident.say("我想预约律师")
    assert "咨询什么事" in texts(resident.say("同意"))
    assert "选一个时间" in texts(resident.say("公司辞退我没给补偿，想问问律师"))  # the topic
    assert "怎么称呼" in texts(resident.say("最近的空档"))
    answer = resident.say("被公司辞退了有没有经济补偿")  # a question where a name was asked
    assert "法律依据" in texts(answer) and "怎么称呼" in texts(answer)
    resident.say("陈师傅")
    assert "请核对" in texts(resident.say("13600136000"))
    done = resident.say("确认提交")
    receipt = next(r["custom"]["receipt"] for r in done if r.get("custom", {}).get("receipt"))
    assert receipt["reference"].startswith("LS") and receipt["join_url"].startswith("https://")
    assert "取消预约" in texts(done)


def test_refusing_consent_keeps_nothing_and_offers_anonymous_help(stack: Stack) -> None:
    resident = Resident(stack)
    resident.say("我要申请法律援助")
    refused = texts(resident.say("不同意"))
    assert "匿名" in refused and "12348" in refused
    assert cases_of(stack, resident.sender) == []
    assert "法律依据" in texts(resident.say("去民政局办离婚说要等一个月冷静，是真的吗"))


def test_staff_take_over_a_live_conversation_and_hand_it_back(stack: Stack) -> None:
    resident = Resident(stack)
    resident.say("我要找工作人员")

    async def staff(step: str, text: str = "") -> None:
        # What the console's takeover routes do (api/console/routes/takeover.py), against the real Rasa.
        rasa = RasaClient(stack.settings.rasa_url, timeout=30, auth_token=stack.settings.rasa_auth_token)
        try:
            if step == "start":
                await takeover.start(rasa, None, conversation_id=resident.sender, staff_name="李调解员")
            elif step == "say":
                await takeover.say(rasa, None, conversation_id=resident.sender, staff_name="李调解员", text=text)
            else:
                await takeover.end(rasa, None, conversation_id=resident.sender)
        finally:
            await rasa.aclose()

    asyncio.run(staff("start"))
    assert "工作人员" in texts(resident.say("您好，我邻居的事想当面说说"))  # the assistant is paused
    asyncio.run(staff("say", "您好，我是李调解员，请问您住在哪个村？"))
    lines = resident.transcript()
    staff_lines = [line for line in lines if (line.get("custom") or {}).get("takeover")]
    assert [line["custom"]["takeover"]["state"] for line in staff_lines] == ["started", "message"]
    assert "110" in texts(resident.say("救命，他拿着刀冲进来了"))  # danger is answered even while paused
    asyncio.run(staff("end"))
    assert "法律依据" in texts(resident.say("去民政局办离婚说要等一个月冷静，是真的吗"))  # the assistant is back


def test_a_turn_sent_twice_is_processed_once_and_answered_alike(stack: Stack) -> None:
    # What a balancer does when a Rasa server dies after saving a turn and before answering it:
    # the same request, with the same turn id, reaches Rasa again (scripts/rasa_turns.py).
    resident = Resident(stack)

    async def twice() -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
        rasa = RasaClient(stack.settings.rasa_url, timeout=60, auth_token=stack.settings.rasa_auth_token)
        try:
            turn = {"turn": uuid.uuid4().hex}
            first = await rasa.send(resident.sender, "老板拖欠工资怎么办", metadata=turn)
            again = await rasa.send(resident.sender, "老板拖欠工资怎么办", metadata=turn)
            return first, again, await rasa.tracker(resident.sender, include_events="ALL")
        finally:
            await rasa.aclose()

    first, again, tracker = asyncio.run(twice())
    assert first and again == first
    said = [event.get("text") for event in tracker["events"] if event.get("event") == "user"]
    assert said == ["老板拖欠工资怎么办"]
