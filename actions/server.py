"""The action server: rasa-sdk's app, answering only Rasa and never echoing a tracker (review L1, M7).

    ACTION_SERVER_TOKEN=… python -m actions.server

Rasa sends the shared secret in the `X-Action-Token` header (its endpoints.yml `headers:`, written
by scripts/stack.py with `${ACTION_SERVER_TOKEN}`, so the file holds no secret). A request without
it is refused before its body is read: a forged tracker could otherwise submit a form that skipped
consent and validation. rasa-sdk's own error answer is `{"error": …, "request_body": <the whole
tracker>}`, which Rasa then logs; the handler here answers with the action's name only.
"""

from __future__ import annotations

import hmac
import logging
import os
import traceback
from typing import Any

logger = logging.getLogger(__name__)

TOKEN_HEADER = "X-Action-Token"
TOKEN_VARIABLE = "ACTION_SERVER_TOKEN"
# Paths anyone on the host may call: the stack's health check; it says nothing about residents.
OPEN_PATHS = frozenset({"/health"})


def is_authorised(path: str, presented: str | None, token: str) -> bool:
    if path in OPEN_PATHS:
        return True
    return presented is not None and hmac.compare_digest(presented.encode(), token.encode())


def action_name(body: Any) -> str:
    """The action a request asked for, for the log (a name from the domain, never personal)."""
    name = body.get("next_action") if isinstance(body, dict) else None
    return name if isinstance(name, str) and len(name) <= 100 else "unknown"


def error_body(body: Any) -> dict[str, str]:
    """What a failed action answers: no exception text (it may quote a slot), no request body."""
    return {"error": "action failed", "action_name": action_name(body)}


def create_app(token: str) -> Any:
    """rasa-sdk's app with every action of the `actions` package, the token check and a quiet error answer."""
    from rasa_sdk.endpoint import create_app as create_sdk_app
    from rasa_sdk.executor import ActionExecutor
    from sanic import Request, response

    executor = ActionExecutor()
    executor.register_package("actions")
    app = create_sdk_app(executor, cors_origins=None)  # only Rasa calls; no browser origin

    async def require_token(request: Request) -> Any:
        if not is_authorised(request.path, request.headers.get(TOKEN_HEADER), token):
            return response.json({"error": "not authorised"}, status=401)
        return None

    app.register_middleware(require_token, "request")

    async def quiet_error(request: Request, exception: Exception) -> Any:
        try:
            body = request.json
        except Exception:  # an unreadable body is the error being handled
            body = None
        # The traceback's frames, not its message: exception texts can quote slot values.
        frames = "".join(traceback.format_tb(exception.__traceback__))
        logger.error("action %s failed: %s\n%s", action_name(body), type(exception).__name__, frames)
        return response.json(error_body(body), status=500)

    # rasa-sdk registered its echoing handler for Exception; Sanic refuses a second `add` for the
    # same key, so the entry is replaced (before start-up nothing has been looked up or cached).
    app.error_handler.cached_handlers[(Exception, None)] = quiet_error
    return app


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    token = os.environ.get(TOKEN_VARIABLE, "")
    if not token:
        raise SystemExit(f"{TOKEN_VARIABLE} is not set: the action server would run anyone's tracker")
    host = os.environ.get("ACTION_HOST", "127.0.0.1")
    port = int(os.environ.get("ACTION_PORT", "5055"))
    # Loaded before the port opens, so the first resident is not the one who waits for it and
    # the stack's health check means ready (the knowledge layer takes ~20 s on two cores).
    from actions import runtime

    runtime.consultant()
    # The interface is checked by api.settings.Settings (scripts/stack.py builds it first).
    create_app(token).run(host=host, port=port, single_process=True, access_log=False, motd=False)


if __name__ == "__main__":
    main()
