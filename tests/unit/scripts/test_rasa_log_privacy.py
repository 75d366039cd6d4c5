"""Rasa's log keeps no resident's words: the warning that quotes a typed "/…" message, and the
action server's answer body inside a traceback."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import warnings
from collections.abc import Iterator

import pytest

from casebook.settings import PROJECT_ROOT
from scripts import rasa_log_privacy

ID_NUMBER = "110101199003071234"
# Rasa 3.6's wording (rasa/shared/core/training_data/story_reader/yaml_story_reader.py).
RASA_WARNING = (
    f"Failed to parse arguments in line '/我的身份证号{ID_NUMBER}'. Expected the intent to be one of "
    f"[['greet', 'restart']] but found 我的身份证号{ID_NUMBER}.Continuing with given line as user text."
)


@pytest.fixture
def installed() -> Iterator[io.StringIO]:
    """The filter installed as the launcher does, with a handler like the one Rasa sets up after it."""
    factory, show = logging.getLogRecordFactory(), warnings.showwarning
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    rasa_logger = logging.getLogger("rasa.test")
    rasa_logger.addHandler(handler)
    rasa_log_privacy.install()
    try:
        yield stream
    finally:
        logging.setLogRecordFactory(factory)
        warnings.showwarning = show
        rasa_logger.removeHandler(handler)


def test_the_warning_quoting_a_typed_intent_keeps_nothing_of_it() -> None:
    # A fresh interpreter: the warning goes the way Rasa's does, to stderr through warnings.showwarning.
    emit = (
        "import warnings; from scripts import rasa_log_privacy; rasa_log_privacy.install(); "
        f"warnings.warn({RASA_WARNING!r}, UserWarning)"
    )
    # Warnings shown as Rasa's process shows them, whatever the test runner's PYTHONWARNINGS says.
    environment = {**os.environ, "PYTHONWARNINGS": "default"}
    written = subprocess.run(
        [sys.executable, "-c", emit], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True, env=environment
    ).stderr
    assert "text withheld" in written
    assert ID_NUMBER not in written and "身份证" not in written


def test_a_traceback_with_the_action_servers_answer_loses_the_body(installed: io.StringIO) -> None:
    body = '{"error":"boom","request_body":{"tracker":{"slots":{"applicant_name":"张三","phone":"13812345678"}}}}'
    try:
        try:
            raise ValueError(f"500, Internal Server Error, body='{body}'")
        except ValueError as cause:
            raise RuntimeError("Failed to execute custom action 'action_submit_mediation'") from cause
    except RuntimeError:
        logging.getLogger("rasa.test").exception("Encountered an exception while running action")
    logged = installed.getvalue()
    assert "Encountered an exception" in logged and "body=<withheld>" in logged
    assert "张三" not in logged and "13812345678" not in logged


@pytest.mark.parametrize(
    "said", ["电话 138 1234 5678", "+86 13812345678", "身份证 11010119900307123X", "旧证 110101900307123"]
)
def test_numbers_that_identify_a_resident_are_masked_anywhere(said: str) -> None:
    redacted = rasa_log_privacy.redact(f"Slot value '{said}' rejected")
    assert not any(ch.isdigit() for ch in redacted.replace("86", "")), redacted


def test_a_failed_rest_turn_is_logged_without_the_residents_message(installed: io.StringIO) -> None:
    # Rasa's REST channel (structlog rendering JSON, non-ASCII escaped) when the turn raised,
    # e.g. its tracker store's database was down.
    said = '{"text": "\\u8001\\u677f\\u62d6\\u6b20\\u6211\\u5de5\\u8d44", "event": "rest.message.received.failure"}'
    try:
        raise ConnectionError("connection to server at 127.0.0.1 failed")
    except ConnectionError:
        logging.getLogger("rasa.test").exception(said)
    logged = installed.getvalue()
    assert "text withheld" in logged and "ConnectionError" in logged
    assert "\\u8001" not in logged
