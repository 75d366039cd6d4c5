"""The action server: rasa-sdk's app, answering only Rasa and never echoing a tracker (review L1, M7).

    ACTION_SERVER_TOKEN=… python -m actions.server

Rasa sends the shared secret in the `X-Action-Token` header (its endpoints.yml `headers:`, written
by scripts/stack.py with `${ACTION_SERVER_TOKEN}`, so the file holds no secret). A request without
it is refused before its body is read: a forged tracker could otherwise submit a form that skipped
consent and validation. rasa-sdk's own error answer is `{"error": …, "request_body": <the whole
tracker>}`, which Rasa then logs; the handler here answers with the action's name only.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
import time
import traceback
from typing import Any

from sqlalchemy import text

logger = logging.getLogger(__name__)

TOKEN_HEADER = "X-Action-Token"
TOKEN_VARIABLE = "ACTION_SERVER_TOKEN"
# Paths anyone on the host may call: health checks and metrics; they say nothing about residents
# (the server listens on loopback only unless ALLOW_PUBLIC_DIALOGUE_HOSTS says a firewall guards it).
OPEN_PATHS = frozenset({"/health", "/health/ready", "/metrics"})
# A balancer checks every few seconds; a database slower than this is as good as down.
READY_TIMEOUT_SECONDS = 2.0
# Native thread pools (torch, OpenMP, OpenBLAS, MKL) default to one thread per core and spin
# while they wait, fighting Rasa and the API for two cores (docs/performance.md): one each,
# unless the environment says otherwise. Read once, when the libraries load.
THREAD_POOL_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


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
    add_operations_routes(app)

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


def database_answers() -> bool:
    from actions import runtime

    try:
        with runtime.engine().connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:  # any failure to reach it: not ready, whatever the driver raised
        return False


def knowledge_loaded() -> bool:
    from actions import runtime

    return runtime.consultant.cache_info().currsize > 0


async def readiness() -> tuple[int, dict[str, Any]]:
    """Ready: the knowledge layer is loaded and the case database answers a query in time."""
    try:
        database = await asyncio.wait_for(asyncio.to_thread(database_answers), READY_TIMEOUT_SECONDS)
    except TimeoutError:
        database = False
    checks = {
        "knowledge": "ok" if knowledge_loaded() else "unavailable",
        "database": "ok" if database else "unavailable",
    }
    failing = [name for name, state in checks.items() if state != "ok"]
    body = {"status": "not ready" if failing else "ready", "checks": checks, "not_ready": failing}
    return (503 if failing else 200), body


def add_operations_routes(app: Any) -> None:
    """`/health` (rasa-sdk's: the process answers), `/health/ready`, `/metrics`, and the action metrics."""
    from sanic import Request, response

    from actions.metrics import record_action
    from telemetry.exposition import CONTENT_TYPE, scrape

    async def ready(_request: Request) -> Any:
        status, body = await readiness()
        return response.json(body, status=status)

    async def metrics(_request: Request) -> Any:
        return response.raw(await asyncio.to_thread(scrape), content_type=CONTENT_TYPE)

    app.add_route(ready, "/health/ready", methods=["GET"], name="health_ready")
    app.add_route(metrics, "/metrics", methods=["GET"], name="metrics")

    async def start_clock(request: Request) -> None:
        request.ctx.started = time.perf_counter()

    async def count_action(request: Request, answer: Any) -> None:
        if request.path == "/webhook" and hasattr(request.ctx, "started"):
            try:
                body = request.json
            except Exception:  # an unreadable body: counted under "unknown"
                body = None
            record_action(action_name(body), status=answer.status, seconds=time.perf_counter() - request.ctx.started)

    app.register_middleware(start_clock, "request")
    app.register_middleware(count_action, "response")


def main() -> None:
    from casebook.settings import get_settings
    from telemetry.logs import use_json_logs

    json_logs = get_settings().log_format == "json"  # LOG_FORMAT
    if not json_logs:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    token = os.environ.get(TOKEN_VARIABLE, "")
    if not token:
        raise SystemExit(f"{TOKEN_VARIABLE} is not set: the action server would run anyone's tracker")
    host = os.environ.get("ACTION_HOST", "127.0.0.1")
    port = int(os.environ.get("ACTION_PORT", "5055"))
    for name in THREAD_POOL_VARIABLES:
        os.environ.setdefault(name, "1")
    # Loaded before the port opens, so the first resident is not the one who waits for it and
    # the stack's health check means ready (the knowledge layer takes ~20 s on two cores).
    from actions import runtime

    if json_logs:  # set up once the libraries are imported: jieba brings a log handler of its own
        use_json_logs()
    runtime.office_data()  # a broken data file stops the start, naming the file
    runtime.consultant()
    # The interface is checked by casebook.settings.Settings (scripts/stack.py builds it first).
    app = create_app(token)
    if json_logs:
        use_json_logs()  # again: making the app set up Sanic's own loggers
    app.run(host=host, port=port, single_process=True, access_log=False, motd=False)


if __name__ == "__main__":
    main()
