"""LOG_FORMAT=json: every log line is one JSON object, and none holds a resident's name or number."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from casebook.settings import Settings
from scripts.stack import free_port
from telemetry.logs import SERVER_LOGGERS, JsonFormatter
from tests.live_servers import stand_in_rasa

NAME, PHONE = "王小明", "13800138000"
MESSAGE = f"我叫{NAME}，电话{PHONE}，老板欠我工资不给"
TOKEN = "web-3f6c2a8e-6a8e-4b0c-9d5e-0c7c1d2e4f11"


@pytest.fixture
def restored_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    loggers = [*(logging.getLogger(name) for name in SERVER_LOGGERS), *logging.Logger.manager.loggerDict.values()]
    formatters = {h: h.formatter for logger in loggers if isinstance(logger, logging.Logger) for h in logger.handlers}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for handler, formatter in formatters.items():
        handler.setFormatter(formatter)
    logging.captureWarnings(False)


def json_lines(captured: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in captured.splitlines() if line.strip()]


def test_a_turn_with_a_name_and_phone_number_logs_json_without_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], restored_logging: None
) -> None:
    with stand_in_rasa() as rasa:
        settings = Settings(
            database_url=f"sqlite:///{tmp_path / 'api.db'}",
            rasa_port=rasa.port,
            rasa_timeout_seconds=2,
            log_format="json",
        )
        with TestClient(create_app(settings)) as client:
            rasa.reply = (200, [])  # the turn says nothing: logged as a warning
            client.post("/api/chat", json={"sender": TOKEN, "message": MESSAGE}, headers={"X-Request-ID": "req-1"})
            rasa.reply = (500, [])  # Rasa fails: logged too
            client.post("/webhooks/rest/webhook", json={"sender": TOKEN, "message": MESSAGE})
            client.app.state.rasa._base_url = f"http://127.0.0.1:{free_port()}"  # type: ignore[attr-defined]
            client.post("/api/chat", json={"sender": TOKEN, "message": MESSAGE})  # Rasa unreachable
    captured = capsys.readouterr().err
    lines = json_lines(captured)  # every line parses
    assert len(lines) >= 3
    assert all({"time", "level", "logger", "message"} <= line.keys() for line in lines)
    assert NAME not in captured and PHONE not in captured and "0013" not in captured
    said_nothing = next(line for line in lines if "answered nothing" in str(line["message"]))
    assert said_nothing["request_id"] == "req-1"
    assert said_nothing["conversation"] not in (None, TOKEN)  # the conversation's keyed hash, never its token
    assert TOKEN not in captured


def test_the_formatter_masks_numbers_and_keeps_exception_texts_out() -> None:
    try:
        raise ValueError(f"slot value {NAME} {PHONE}")
    except ValueError:
        record = logging.LogRecord("actions", logging.ERROR, __file__, 1, "call %s back", (PHONE,), exc_info=True)
        record.exc_info = sys.exc_info()
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "call 138****8000 back"
    assert line["error"] == "ValueError"
    assert NAME not in json.dumps(line, ensure_ascii=False) and PHONE not in json.dumps(line)
