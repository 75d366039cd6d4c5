"""A crash of every process in the middle of a booking leaves it whole or absent, never half, and
the resident's confirmation, sent again after the restart, gets the same booking, not a second one.

The dangerous moment is after the action server committed the case and its booking and before Rasa
saved the turn: the database then holds a booking the conversation does not know about. The test
waits for exactly that moment and kills Rasa, the action server and the API with SIGKILL."""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, suppress
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session, select

from api.security.conversation_ids import ConversationIds
from casebook.db import create_db_engine
from casebook.models import Booking, Case, CaseKind
from casebook.settings import Settings
from scripts.stack import Stack, free_port

pytestmark = pytest.mark.e2e


def cases_and_bookings(settings: Settings, sender: str) -> list[tuple[Case, list[Booking]]]:
    engine = create_db_engine(settings.database_url_absolute)
    try:
        with Session(engine) as session:
            cases = session.exec(select(Case).where(Case.conversation_id == sender)).all()
            return [
                (case, list(session.exec(select(Booking).where(Booking.case_id == case.id)).all())) for case in cases
            ]
    finally:
        engine.dispose()


def kill_every_process(stack: Stack) -> None:
    for service in stack.services:
        assert service.process is not None
        os.killpg(service.process.pid, signal.SIGKILL)
    for service in stack.services:
        assert service.process is not None
        service.process.wait(timeout=30)


@pytest.fixture
def restartable(tmp_path: Path) -> Iterator[Callable[[], AbstractContextManager[Stack]]]:
    """Stacks started one after another on the same ports, secrets and database."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'assistant.db'}",
        api_port=free_port(),
        rasa_port=free_port(),
        action_port=free_port(),
        rate_limits=False,
    )
    started: list[Stack] = []

    class Running:
        def __enter__(self) -> Stack:
            stack = Stack(settings, var_dir=tmp_path, log_dir=tmp_path / "logs")
            started.append(stack)
            stack.start(timeout=240)
            return stack

        def __exit__(self, *_: object) -> None:
            started[-1].stop()

    yield Running
    for stack in started:
        stack.stop()


def say(base: str, token: str, message: str) -> list[dict[str, Any]]:
    response = httpx.post(f"{base}/api/chat", json={"sender": token, "message": message}, timeout=90)
    assert response.status_code == 200, response.text
    replies: list[dict[str, Any]] = response.json()
    return replies


def text_of(replies: list[dict[str, Any]]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def test_a_booking_interrupted_by_kill_9_after_its_commit_is_whole_and_confirmed_once_after_restart(
    restartable: Callable[[], AbstractContextManager[Stack]],
) -> None:
    token = f"web-{uuid.uuid4()}"
    with restartable() as stack:
        settings = stack.settings
        base = f"http://{settings.api_host}:{settings.api_port}"
        sender = ConversationIds.from_settings(settings).resident(token)
        assert sender is not None
        say(base, token, "我想预约律师")
        say(base, token, "同意")
        say(base, token, "公司拖欠三个月工资，想请律师看看")
        say(base, token, "最近的空档")
        say(base, token, "陈师傅")
        assert "请核对" in text_of(say(base, token, "13600136000"))

        # The confirmation is sent; the moment its case is in the database, everything dies.
        sending = threading.Thread(target=lambda: _swallow(lambda: say(base, token, "确认提交")), daemon=True)
        sending.start()
        deadline = time.monotonic() + 60
        while not cases_and_bookings(settings, sender):
            assert time.monotonic() < deadline, "the confirmation never reached the database"
            time.sleep(0.002)
        kill_every_process(stack)
        sending.join(timeout=30)

    [(case, bookings)] = cases_and_bookings(settings, sender)
    assert case.kind == CaseKind.lawyer and len(bookings) == 1  # whole: the case with its booking

    with restartable():
        again = say(base, token, "确认提交")  # the resident saw no receipt and confirms again
        receipts = [r["custom"]["receipt"] for r in again if (r.get("custom") or {}).get("receipt")]
        # The form resumed where it stopped, and the confirmation found the booking already made.
        assert [receipt["reference"] for receipt in receipts] == [case.reference], text_of(again)

    [(same, bookings_after)] = cases_and_bookings(settings, sender)
    assert same.id == case.id and [b.id for b in bookings_after] == [bookings[0].id]


def _swallow(call: Callable[[], object]) -> None:
    """The request in flight dies with the servers; its error is the expected outcome."""
    with suppress(httpx.HTTPError, AssertionError):
        call()
