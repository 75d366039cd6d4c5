"""Rasa made cheaper (scripts/rasa_speed.py) changes what Rasa costs, not what it accepts or answers."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from aiohttp import web
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event, UserUttered
from rasa.shared.utils.common import all_subclasses
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy.engine import Engine

from scripts import rasa_speed
from scripts.rasa_speed import (
    commit_turns_without_fsync,
    one_thread_per_pool,
    remember_event_classes,
    reuse_action_response_validator,
    send_utf8_json_to_the_action_server,
)

ANSWER = {
    "events": [{"event": "slot", "name": "area", "value": "劳动纠纷", "timestamp": None}],
    "responses": [{"text": "您好", "buttons": [{"title": "是", "payload": "/affirm"}]}],
}


RASAS_OWN = RemoteAction._validate_action_result


@pytest.fixture
def action() -> Iterator[RemoteAction]:
    reuse_action_response_validator()
    yield RemoteAction("action_answer_question", None)
    RemoteAction._validate_action_result = RASAS_OWN  # type: ignore[method-assign]


def test_a_valid_action_answer_passes(action: RemoteAction) -> None:
    assert action._validate_action_result(ANSWER) is True


def test_an_invalid_action_answer_still_fails_with_rasas_own_error(action: RemoteAction) -> None:
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": "not a list"})


def test_the_check_no_longer_validates_the_schema_each_time(action: RemoteAction) -> None:
    def seconds(check: Callable[[RemoteAction, dict[str, Any]], bool]) -> float:
        started = time.perf_counter()
        for _ in range(5):
            check(action, ANSWER)
        return time.perf_counter() - started

    # Rasa's own check took ~25 ms a call on this machine, the prebuilt validator under 1 ms.
    assert seconds(RemoteAction._validate_action_result) < seconds(RASAS_OWN) / 5


def test_native_thread_pools_get_one_thread_unless_told_otherwise() -> None:
    environ = {"OMP_NUM_THREADS": "2"}
    one_thread_per_pool(environ)
    assert environ == {"OMP_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


@pytest.fixture
def quick_commits() -> Iterator[None]:
    commit_turns_without_fsync()
    commit_turns_without_fsync()  # once is enough, twice changes nothing
    yield
    sqlalchemy.event.remove(Engine, "connect", rasa_speed._wal_without_fsync_per_commit)


@pytest.mark.usefixtures("quick_commits")
def test_sqlite_tracker_stores_commit_in_wal_mode_without_an_fsync_each(tmp_path: Path) -> None:
    engine = sqlalchemy.create_engine(f"sqlite:///{tmp_path / 'rasa.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    engine.dispose()


def test_the_action_server_gets_the_same_json_in_utf8() -> None:
    """What Rasa's action endpoint sends: the conversation, Chinese as UTF-8 and not \\uXXXX."""
    body = {"tracker": {"latest_message": {"text": "老板拖欠工资怎么办"}}, "next_action": "action_answer_question"}
    received: list[bytes] = []

    async def handler(request: web.Request) -> web.Response:
        received.append(await request.read())
        return web.json_response({"events": [], "responses": []})

    async def send() -> Any:
        runner = web.AppRunner(web.Application())
        runner.app.router.add_post("/webhook", handler)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        try:
            return await EndpointConfig(f"http://127.0.0.1:{port}/webhook").request(json=body, method="post")
        finally:
            await runner.cleanup()

    rasas_own = EndpointConfig.session
    send_utf8_json_to_the_action_server()
    try:
        answer = asyncio.run(send())
    finally:
        EndpointConfig.session = rasas_own  # type: ignore[method-assign]
    assert answer == {"events": [], "responses": []}
    assert "老板拖欠工资怎么办".encode() in received[0]
    assert json.loads(received[0]) == body


def test_stored_events_resolve_to_the_classes_rasa_itself_finds() -> None:
    names = {cls.type_name for cls in all_subclasses(Event)}
    expected = {name: Event.resolve_by_type(name) for name in names}
    rasas_own = Event.resolve_by_type
    remember_event_classes()
    try:
        assert {name: Event.resolve_by_type(name) for name in names} == expected
        assert {name: Event.resolve_by_type(name) for name in names} == expected  # and again, remembered
        assert Event.resolve_by_type("no-such-event", UserUttered) is UserUttered
        with pytest.raises(ValueError, match="Unknown event name"):
            Event.resolve_by_type("no-such-event")
        assert Event.resolve_by_type("topic") is None  # Rasa's backward compatibility
    finally:
        Event.resolve_by_type = staticmethod(rasas_own)  # type: ignore[method-assign]
