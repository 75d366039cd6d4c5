"""Rasa made cheaper (scripts/rasa_speed.py) changes what Rasa costs, not what it accepts or answers."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from aiohttp import web
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
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


class RecordingProcessor:
    """What the parse needs of Rasa's MessageProcessor; the graph's parse takes PARSE_SECONDS."""

    PARSE_SECONDS = 0.2

    def __init__(self, fails: bool = False) -> None:
        self.http_interpreter = None
        self.fails = fails
        self.parsing = 0
        self.most_at_once = 0
        self.threads: list[str] = []
        self.trackers: list[DialogueStateTracker] = []
        self.after_the_parse: list[str] = []

    def _parse_message_with_graph(self, message: UserMessage, tracker: DialogueStateTracker, _only: bool) -> dict:
        self.parsing += 1
        self.most_at_once = max(self.most_at_once, self.parsing)
        self.threads.append(threading.current_thread().name)
        self.trackers.append(tracker)
        time.sleep(self.PARSE_SECONDS)
        self.parsing -= 1
        if self.fails:
            raise RuntimeError("the pipeline failed")
        return {"text": message.text, "intent": {"name": "greet", "confidence": 0.9}, "entities": []}

    def _update_full_retrieval_intent(self, parse_data: dict) -> None:
        self.after_the_parse.append(f"retrieval intent of {parse_data['text']}")

    def _check_for_unseen_features(self, parse_data: dict) -> None:
        self.after_the_parse.append(f"unseen features of {parse_data['text']}")


@pytest.fixture
def parse_beside_the_loop() -> Iterator[Callable[..., Any]]:
    rasas_own = MessageProcessor.parse_message
    rasa_speed.parse_beside_the_event_loop()
    yield MessageProcessor.parse_message
    MessageProcessor.parse_message = rasas_own  # type: ignore[method-assign]


def test_the_parse_runs_beside_the_event_loop_which_goes_on_meanwhile(
    parse_beside_the_loop: Callable[..., Any],
) -> None:
    processor = RecordingProcessor()
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    async def parse_while_ticking() -> tuple[dict, str]:
        ticker = asyncio.create_task(tick())
        parsed = await parse_beside_the_loop(processor, UserMessage("你好", sender_id="web-1"), None)
        ticker.cancel()
        return parsed, threading.current_thread().name

    parsed, loop_thread = asyncio.run(parse_while_ticking())
    assert parsed["intent"]["name"] == "greet"
    assert processor.threads != [loop_thread] and processor.threads[0].startswith("nlu-parse")
    assert ticks >= 10  # 0.2 s of parsing did not hold the loop: it ticked every 10 ms or so
    assert processor.after_the_parse == ["retrieval intent of 你好", "unseen features of 你好"]


def test_a_message_without_a_tracker_is_parsed_with_an_empty_one(parse_beside_the_loop: Callable[..., Any]) -> None:
    processor = RecordingProcessor()
    asyncio.run(parse_beside_the_loop(processor, UserMessage("你好", sender_id="web-2"), None))
    assert processor.trackers[0].sender_id == "web-2" and not processor.trackers[0].events


def test_two_parses_never_run_at_once(parse_beside_the_loop: Callable[..., Any]) -> None:
    processor = RecordingProcessor()
    tracker = DialogueStateTracker.from_events("web-3", [])

    async def three_residents() -> list[dict]:
        texts = ("你好", "工资被拖欠", "谢谢")
        return await asyncio.gather(*(parse_beside_the_loop(processor, UserMessage(t), tracker) for t in texts))

    parsed = asyncio.run(three_residents())
    assert [p["text"] for p in parsed] == ["你好", "工资被拖欠", "谢谢"]
    assert processor.most_at_once == 1


def test_a_failed_parse_fails_the_turn_as_before(parse_beside_the_loop: Callable[..., Any]) -> None:
    processor = RecordingProcessor(fails=True)
    with pytest.raises(RuntimeError, match="the pipeline failed"):
        asyncio.run(parse_beside_the_loop(processor, UserMessage("你好"), None))
    assert processor.after_the_parse == []


def test_a_parse_by_another_nlu_server_is_left_to_rasa(parse_beside_the_loop: Callable[..., Any]) -> None:
    class RemoteNlu:
        async def parse(self, message: UserMessage) -> dict:
            return {"text": message.text, "intent": {"name": "affirm", "confidence": 1.0}, "entities": []}

    processor = RecordingProcessor()
    processor.http_interpreter = RemoteNlu()  # type: ignore[assignment]
    processor._parse_message_with_graph = None  # type: ignore[assignment, method-assign]  # must not be used
    parsed = asyncio.run(parse_beside_the_loop(processor, UserMessage("是的"), None))
    assert parsed["intent"]["name"] == "affirm"
