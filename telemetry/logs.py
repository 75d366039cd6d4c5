"""Log lines as JSON objects, one a line (LOG_FORMAT=json), for the API and the action server.

Each line: time (UTC, ISO 8601), level, logger, message, and where known the request id and the
conversation's keyed hash. The code logs no resident's words by design; as a last guard every
message has phone and ID numbers masked, and an exception is shown by its type and frames only,
since exception texts can quote what a resident typed.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from datetime import UTC, datetime

from casebook.services.redaction import mask_personal_data
from telemetry import context

# uvicorn's loggers keep handlers of their own (and do not all propagate): they are given the format too.
SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "sanic.root", "sanic.error", "sanic.access")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": mask_personal_data(record.getMessage()),
        }
        if (request_id := context.request_id.get()) is not None:
            line["request_id"] = request_id
        if (conversation := context.conversation.get()) is not None:
            line["conversation"] = conversation
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            line["error"] = type(error).__name__
            line["frames"] = "".join(traceback.format_tb(error.__traceback__))
        return json.dumps(line, ensure_ascii=False)


class _JsonHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler use_json_logs installs, so a second call replaces it instead of adding one."""


def use_json_logs(*, level: int = logging.INFO) -> None:
    """Every line of this process (ours, the servers', the libraries') through JsonFormatter on stderr.

    (LOG_FORMAT=text leaves logging as the servers set it up: readable in `make run`'s terminal.)"""
    formatter = JsonFormatter()
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _JsonHandler)]:
        root.removeHandler(old)
    handler = _JsonHandler(sys.stderr)
    handler.setFormatter(formatter)
    root.addHandler(handler)
    root.setLevel(level)
    # Loggers that brought handlers of their own (uvicorn's, Sanic's, jieba's) write JSON too.
    named = [logger for logger in logging.Logger.manager.loggerDict.values() if isinstance(logger, logging.Logger)]
    for own in [logging.getLogger(name) for name in SERVER_LOGGERS] + named:
        for own_handler in own.handlers:
            own_handler.setFormatter(formatter)
    logging.captureWarnings(True)  # warnings.warn(...) as JSON lines of the "py.warnings" logger
