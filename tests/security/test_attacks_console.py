"""The security review's proofs of concept against the staff console (M1, M2, M3, M8), run as
the review wrote them. Each passed against main at 9c85733; each must fail now.

The API is the real application; Rasa is a stand-in holding one tracker per conversation. The
edge's rate limits are off here: these tests are about what the console itself refuses.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.console import admin
from api.console.security import hash_password
from api.console.throttle import client_id
from api.deps import get_rasa, get_session
from api.main import create_app
from casebook import audit_guards
from casebook.console_tables import AuditEntry, LoginCounter, StaffUser
from casebook.models import Case, CaseCreate, CaseKind, CaseStatus
from casebook.services.cases import open_case
from casebook.settings import Settings

PASSWORD = "Gongzheng-2026-示例"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class TrackerStore:
    """Rasa's conversations as the console reads and appends to them."""

    def __init__(self) -> None:
        self.trackers: dict[str, dict[str, Any]] = {}

    async def tracker(self, sender: str, *, include_events: str | None = None) -> dict[str, Any]:
        return self.trackers.setdefault(sender, {"sender_id": sender, "events": [], "paused": False})

    async def append_events(self, sender: str, events: list[dict[str, Any]]) -> None:
        (await self.tracker(sender))["events"].extend(events)


@pytest.fixture
def rasa() -> TrackerStore:
    return TrackerStore()


def console_app(tmp_path: Path, engine: Engine, rasa: TrackerStore, **settings: Any) -> FastAPI:
    application = create_app(
        Settings(
            database_url=f"sqlite:///{tmp_path / 'lifespan.db'}",
            rasa_port=1,
            console_secure_cookies=False,
            rate_limits=False,
            **settings,
        )
    )

    def session_override() -> Iterator[Session]:
        with Session(engine) as db_session:
            yield db_session

    application.dependency_overrides[get_session] = session_override
    application.dependency_overrides[get_rasa] = lambda: rasa
    return application


@pytest.fixture
def app(tmp_path: Path, engine: Engine, rasa: TrackerStore) -> FastAPI:
    return console_app(tmp_path, engine, rasa)


def client_at(app: FastAPI, address: str) -> TestClient:
    return TestClient(app, client=(address, 40000))


def add_staff(engine: Engine, username: str, role: str) -> None:
    with Session(engine) as db:
        db.add(
            StaffUser(
                username=username, display_name=username, role=role, password_hash=hash_password(PASSWORD, n=2**10)
            )
        )
        db.commit()


def login(client: TestClient, username: str, password: str = PASSWORD) -> int:
    token = CSRF.search(client.get("/console/login").text)
    assert token
    data = {"csrf_token": token.group(1), "username": username, "password": password, "next": "/console/queue"}
    return client.post("/console/login", data=data, follow_redirects=False).status_code


def signed_in(client: TestClient, username: str) -> str:
    assert login(client, username) == 303
    token = CSRF.search(client.get("/console/queue").text)
    assert token
    return token.group(1)


def parallel_guesses(client: TestClient, username: str, count: int) -> list[int]:
    """`count` wrong passwords for `username`, all at once from one client: the sign-in statuses."""
    token = CSRF.search(client.get("/console/login").text)
    assert token

    # Built before any is sent, as a script would: each carries the form's token and cookie, which
    # a refused sign-in renews in the shared cookie jar while the others are in flight.
    requests = [
        client.build_request(
            "POST", "/console/login", data={"csrf_token": token.group(1), "username": username, "password": f"guess{n}"}
        )
        for n in range(count)
    ]
    with ThreadPoolExecutor(max_workers=count) as pool:
        return [response.status_code for response in pool.map(client.send, requests)]


def handoff_case(engine: Engine, conversation: str) -> Case:
    with Session(engine) as db:
        case, _ = open_case(db, data=CaseCreate(kind=CaseKind.handoff, conversation_id=conversation))
        db.expunge(case)
        return case


# --- M2: write actions have no permission of their own ---------------------------------------


def test_m2_a_knowledge_editor_can_neither_write_to_a_resident_nor_close_a_case(
    app: FastAPI, engine: Engine, rasa: TrackerStore
) -> None:
    case = handoff_case(engine, "web-" + "1" * 32)
    add_staff(engine, "editor", "knowledge_editor")
    with client_at(app, "10.0.0.5") as client:
        token = signed_in(client, "editor")
        base = f"/console/cases/{case.reference}"
        message = {"csrf_token": token, "text": "请回复您的身份证号以便核实"}
        assert client.post(f"{base}/takeover/messages", data=message, follow_redirects=False).status_code == 403
        assert client.post(f"{base}/takeover", data={"csrf_token": token}, follow_redirects=False).status_code == 403
        status = {"csrf_token": token, "to": "not_accepted", "reason": "重复申请重复申请", "from": "new"}
        assert client.post(f"{base}/status", data=status, follow_redirects=False).status_code == 403
    assert rasa.trackers.get(case.conversation_id, {}).get("events", []) == []
    with Session(engine) as db:
        stored = db.get(Case, case.id)
        assert stored is not None and stored.status == CaseStatus.new


# --- M3: lockout race, lockout DoS ---------------------------------------------------------------


def test_m3_forty_parallel_wrong_passwords_count_forty(tmp_path: Path, engine: Engine, rasa: TrackerStore) -> None:
    # Limits above 40, no slowdown and a password check for each guess at once, so that what is
    # measured is the count itself (the review saw 1), whatever the load on the machine.
    app = console_app(
        tmp_path,
        engine,
        rasa,
        console_max_failures=100,
        console_client_max_failures=100,
        console_account_slowdown_after=100,
        console_password_checks=40,
    )
    add_staff(engine, "zhang", "head")
    with client_at(app, "203.0.113.7") as attacker:
        answers = parallel_guesses(attacker, "zhang", 40)
    assert answers == [401] * 40
    with Session(engine) as db:
        for key in ("account:zhang", f"pair:zhang:{client_id('203.0.113.7')}"):
            counter = db.get(LoginCounter, key)
            assert counter is not None and counter.failures == 40, key


def test_m3_forty_parallel_guesses_end_in_a_lockout_of_that_client(app: FastAPI, engine: Engine) -> None:
    add_staff(engine, "zhang", "head")
    with client_at(app, "203.0.113.7") as attacker:
        answers = parallel_guesses(attacker, "zhang", 40)
        assert 500 not in answers and 429 in answers
        assert login(attacker, "zhang") == 429  # even the right password, from that client


def test_m3_an_attacker_cannot_lock_a_member_of_staff_out_from_another_client(app: FastAPI, engine: Engine) -> None:
    add_staff(engine, "zhang", "head")
    with client_at(app, "203.0.113.7") as attacker:
        statuses = [login(attacker, "zhang", f"guess-{n}") for n in range(30)]
    assert 429 in statuses  # the attacker's own client is stopped
    with client_at(app, "10.0.0.8") as desk:
        assert login(desk, "zhang") == 303  # the head still signs in at the office


# --- M1: masking is per case but the transcript is per conversation ----------------------------


def test_m1_a_knowledge_editor_reads_no_name_phone_other_party_or_address_from_an_earlier_form(
    app: FastAPI, engine: Engine, rasa: TrackerStore
) -> None:
    conversation = "web-" + "2" * 32

    def slot(name: str, value: str | None) -> dict[str, Any]:
        return {"event": "slot", "name": name, "value": value}

    rasa.trackers[conversation] = {
        "paused": False,
        "events": [
            {"event": "user", "text": "/request_mediation"},
            slot("requested_slot", "applicant_name"),
            {"event": "user", "text": "王小明"},
            slot("applicant_name", "王小明"),
            slot("requested_slot", "applicant_phone"),
            {"event": "user", "text": "+86 138 0013 8000"},
            slot("applicant_phone", "13800138000"),
            slot("requested_slot", "other_party"),
            {"event": "user", "text": "李四"},
            slot("other_party", "李四"),
            slot("requested_slot", "dispute_place"),
            {"event": "user", "text": "东湖村3组"},
            slot("dispute_place", "东湖村3组"),
            slot("requested_slot", None),
            {
                "event": "bot",
                "text": "· 姓名：王小明\n· 电话：+86 138 0013 8000\n· 对方：李四\n· 发生地点：东湖村3组\n· 家庭月收入：3000元",
            },
            {"event": "user", "text": "我要转人工，我的电话是 +86 138 0013 8000"},
        ],
    }
    case = handoff_case(engine, conversation)
    add_staff(engine, "editor", "knowledge_editor")
    with client_at(app, "10.0.0.5") as client:
        signed_in(client, "editor")
        page = client.get(f"/console/cases/{case.reference}").text
    for secret in ("王小明", "李四", "东湖村", "138 0013 8000", "13800138000", "3000元"):
        assert secret not in page, secret
    assert "我要转人工" in page


# --- M8: the audit log's integrity ----------------------------------------------------------------


@pytest.mark.parametrize(
    "rewrite",
    [
        "DELETE FROM console_audit WHERE actor = 'zhang' AND action = 'view'",
        "UPDATE console_audit SET actor = 'nobody' WHERE action = 'view'",
    ],
    ids=["delete", "edit"],
)
def test_m8_rewriting_the_audit_log_behind_the_triggers_is_detected(app: FastAPI, engine: Engine, rewrite: str) -> None:
    case = handoff_case(engine, "web-" + "3" * 32)
    add_staff(engine, "zhang", "head")
    with client_at(app, "10.0.0.8") as client:
        signed_in(client, "zhang")
        client.get(f"/console/cases/{case.reference}")
        client.get("/console/queue")
    printed: list[str] = []
    admin.run(["verify-audit"], engine=engine, env={}, out=printed.append)
    assert "完整" in printed[0]
    # The review's PoC: drop the triggers, then rewrite history.
    with engine.begin() as connection:
        audit_guards.remove(connection)
        connection.execute(text(rewrite))
    with Session(engine) as db:
        assert db.exec(select(AuditEntry).where(AuditEntry.action == "login")).first() is not None
    with pytest.raises(admin.AdminError, match="断开"):
        admin.run(["verify-audit"], engine=engine, env={}, out=printed.append)
