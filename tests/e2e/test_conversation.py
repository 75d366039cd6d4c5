"""A resident's whole conversation through the API, with the real trained model, Rasa server and
action server, and a real database; then everything restarts and nothing is lost."""

from __future__ import annotations

import re
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from api.db import create_db_engine
from api.models import Case, CaseKind
from api.settings import Settings
from knowledge.consultant import Consultant
from scripts.stack import Stack

pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, consultant: Consultant, index_dir: Path) -> Iterator[Stack]:
    # `consultant` has built the index in index_dir; the action server reads the same one.
    workdir = tmp_path_factory.mktemp("stack")
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


class Resident:
    def __init__(self, stack: Stack):
        self.base = f"http://{stack.settings.api_host}:{stack.settings.api_port}"
        self.sender = uuid.uuid4().hex

    def say(self, message: str) -> list[dict[str, Any]]:
        response = httpx.post(f"{self.base}/api/chat", json={"sender": self.sender, "message": message}, timeout=60)
        assert response.status_code == 200, response.text
        replies: list[dict[str, Any]] = response.json()
        assert replies, f"no reply to {message!r}"
        return replies

    def transcript(self) -> list[dict[str, Any]]:
        response = httpx.get(f"{self.base}/api/conversations/{self.sender}/messages", timeout=30)
        assert response.status_code == 200, response.text
        lines: list[dict[str, Any]] = response.json()
        return lines


def texts(replies: list[dict[str, Any]]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


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
    reference = re.search(r"[A-Z]{2}\d{8}-[2-9A-Z]{4}", texts(handoff))
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
    assert "法律依据" in texts(resident.say("离婚冷静期是多少天"))


def test_a_resident_in_danger_gets_emergency_numbers_and_staff_are_alerted(stack: Stack) -> None:
    resident = Resident(stack)
    replies = resident.say("救命，我老公正拿着刀要砍我")
    assert "110" in texts(replies) and "12338" in texts(replies)
    assert [c.kind for c in cases_of(stack, resident.sender)] == [CaseKind.danger]


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
