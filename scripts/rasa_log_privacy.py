"""Keeps residents' words out of Rasa's log (review M7).

Rasa quotes the message it failed to read in some warnings ("Failed to parse arguments in line
'<text>'…": any text starting with "/" that names no intent), and when a custom action fails it
logs the action server's answer body with the traceback. Both are replaced by a fixed note here;
ID and mobile numbers left anywhere else are masked as a second line of defence.

Installed by scripts/rasa_server.py before Rasa starts. Runs in the bot environment (Python 3.10):
standard library only.
"""

from __future__ import annotations

import logging
import re
import sys
import warnings
from typing import Any, TextIO

# Rasa messages that quote a resident's text at INFO level or above, and what is written
# instead. The wording follows rasa/shared/core/training_data/story_reader/yaml_story_reader.py;
# the whole message goes, since every part after the quote ("but found <intent>", "Continuing
# without <rest>") is the resident's text too. (DEBUG logs carry text everywhere: the launcher
# never runs Rasa at DEBUG.)
WITHHELD_MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"Failed to parse arguments in line"),
        "Failed to parse arguments in a message that looks like an intent (text withheld).",
    ),
    # The REST channel's structlog events quote the whole message when its turn fails (e.g. the
    # tracker store's database is down: scripts/rasa_tracker_store.py) or times out.
    (
        re.compile(r"rest\.message\.received\.(failure|timeout)"),
        "rest.message.received: a resident's turn failed or timed out (text withheld).",
    ),
)

# An answer body quoted in an exception (rasa.utils.endpoints.ClientResponseError: "…, body='…'"):
# rasa-sdk's default error answer is the whole tracker.
BODY = re.compile(r"body=(['\"]).*", re.MULTILINE)
# 18-digit (or old 15-digit) resident ID numbers and mainland mobile numbers, however spaced.
ID_NUMBER = re.compile(r"(?<![0-9])[0-9](?:[\s-]?[0-9]){14}(?:(?:[\s-]?[0-9]){2}[\s-]?[0-9Xx])?(?![0-9])")
MOBILE = re.compile(r"(?<![0-9])(?:\+?86[\s-]?)?1[3-9](?:[\s-]?[0-9]){9}(?![0-9])")


def redact(text: str) -> str:
    """The text as it may be logged."""
    for pattern, replacement in WITHHELD_MESSAGES:
        if pattern.search(text):
            return replacement
    text = BODY.sub("body=<withheld>", text)
    text = ID_NUMBER.sub("<id number>", text)
    return MOBILE.sub("<phone>", text)


class PrivacyFilter(logging.Filter):
    """Rewrites a record's message and exception text through `redact`; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed call: log its template only
            message = str(record.msg)
        record.msg, record.args = redact(message), ()
        if record.exc_info:
            # Format now and drop the exception object, so no handler formats the raw text later.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def install() -> None:
    """Filter every log record and every warning of this process, whatever handlers Rasa sets up.

    A record factory rather than a handler filter: Rasa replaces the root handlers when it
    configures logging (coloredlogs, structlog), and a factory survives that.
    """
    privacy = PrivacyFilter()
    make_record = logging.getLogRecordFactory()

    def private_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        privacy.filter(record)
        return record

    logging.setLogRecordFactory(private_record)
    show = warnings.showwarning

    def show_private(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        show(redact(str(message)), category, filename, lineno, file or sys.stderr, line)

    warnings.showwarning = show_private
