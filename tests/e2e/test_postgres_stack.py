"""The real stack (trained Rasa, action server, API) with DATABASE_URL on a real PostgreSQL server:
conversations land in Rasa's tracker store there and cases are filed there; and when PostgreSQL
restarts while a resident talks, the resident is asked in Chinese to retry, and the assistant
recovers by itself."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from api.resident_texts import resident_texts
from casebook.db import create_db_engine
from casebook.models import Case, CaseKind
from scripts.pg_server import PostgresServer, find_bin_dir
from scripts.stack import Stack, free_port
from tests.e2e.resident import Resident, texts

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(find_bin_dir() is None, reason="PostgreSQL is not installed: run scripts/setup_services.sh"),
]


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    """A server of this module's own: the fault test restarts it."""
    data_dir = Path(tempfile.mkdtemp(prefix="pytest-postgres-stack-"))  # reachable by the postgres user
    server = PostgresServer(data_dir, free_port(), durable=False)
    try:
        server.start()
        server.create_database("assistant")
        yield server
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def stack(postgres: PostgresServer, real_stack: Callable[..., AbstractContextManager[Stack]]) -> Iterator[Stack]:
    with pytest.MonkeyPatch.context() as environment:
        # Plain HTTP here: the console's Secure cookie would never come back (the fault test signs in).
        environment.setenv("CONSOLE_SECURE_COOKIES", "false")
        with real_stack("postgres-stack", database_url=postgres.url("assistant")) as running:
            yield running


def rows(stack: Stack, sql: str, **parameters: str) -> list[Any]:
    engine = create_db_engine(stack.settings.database_url_absolute)
    try:
        with Session(engine) as session:
            return list(session.connection().execute(text(sql), parameters).all())
    finally:
        engine.dispose()


def cases_of(stack: Stack, sender: str) -> list[Case]:
    engine = create_db_engine(stack.settings.database_url_absolute)
    try:
        with Session(engine) as session:
            return list(session.exec(select(Case).where(Case.conversation_id == sender)).all())
    finally:
        engine.dispose()


def test_conversations_and_cases_live_in_postgresql(stack: Stack) -> None:
    assert stack.settings.database_url_absolute.startswith("postgresql://")
    resident = Resident(stack)
    assert "法律服务助手" in texts(resident.say("你好呀"))
    handoff = texts(resident.say("我要找工作人员"))
    reference = re.search(r"[A-Z]{2}-[2-9A-Z]{4}-[2-9A-Z]{4}", handoff)
    assert reference, handoff

    assert [(c.kind, c.reference) for c in cases_of(stack, resident.sender)] == [(CaseKind.handoff, reference.group())]
    said = rows(
        stack, "SELECT data FROM events WHERE sender_id = :s AND type_name = 'user' ORDER BY id", s=resident.sender
    )
    assert [json.loads(row[0])["text"] for row in said] == ["你好呀", "我要找工作人员"]


def test_a_postgresql_restart_asks_the_resident_to_retry_and_then_recovers(
    stack: Stack, postgres: PostgresServer
) -> None:
    resident = Resident(stack)
    assert "法律服务助手" in texts(resident.say("你好呀"))

    staff = httpx.Client(base_url=resident.base, timeout=30)
    token = re.search(r'name="csrf_token" value="([^"]+)"', staff.get("/console/login").text)
    assert token

    postgres.stop()
    try:
        during = resident.post("老板拖欠我三个月工资一直不给，我该怎么办")
        assert during.status_code == 503, during.text  # not a 500 page, not silence
        detail = during.json()["detail"]
        assert re.search(r"[\u4e00-\u9fff]", detail) and "再" in detail, detail
        # The API's own database work (a sign-in checks the lockout counters) says the same.
        sign_in = staff.post("/console/login", data={"username": "zhang", "password": "x" * 12, "csrf_token": token[1]})
        assert (sign_in.status_code, sign_in.json()["detail"]) == (503, resident_texts().database_unavailable)
    finally:
        postgres.start()
        staff.close()

    # Nobody restarts anything: the next turn works (pools replace their dead connections).
    started = time.monotonic()
    answer = texts(resident.say("老板拖欠我三个月工资一直不给，我该怎么办"))
    assert "法律依据" in answer
    assert time.monotonic() - started < 30
    stack.check_alive()
    assert len(rows(stack, "SELECT 1 FROM events WHERE sender_id = :s AND type_name = 'user'", s=resident.sender)) >= 2
