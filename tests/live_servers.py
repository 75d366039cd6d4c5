"""Real HTTP servers on free loopback ports for the contract tests: the API under uvicorn in a
thread, and a stand-in Rasa that answers the four calls the API makes the way Rasa 3.6 does."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import uvicorn

from scripts.stack import free_port


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """The app under uvicorn (its lifespan, real HTTP); yields its base URL, stops it after."""
    port = free_port()
    # log_config=None: uvicorn leaves this process's logging as the tests set it up (its own
    # configuration would stop uvicorn.access reaching pytest's capture for the rest of the run).
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the API did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


class _RasaHandler(BaseHTTPRequestHandler):
    """Rasa's root page is plain text; the rest is JSON. Replies never repeat the resident's words."""

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def _answer(self, status: int, body: Any, content_type: str = "application/json") -> None:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"null")

    def do_GET(self) -> None:
        if self.path == "/":
            self._answer(200, "Hello from Rasa: 3.6.21", "text/plain; charset=utf-8")
        elif self.path.startswith("/conversations/"):
            self._answer(200, {"events": [{"event": "bot", "text": "您好，请问有什么可以帮您？", "timestamp": 1.0}]})
        else:
            self._answer(404, {"status": "failure"})

    def do_POST(self) -> None:
        body = self._body()
        server: StandInRasa = self.server  # type: ignore[assignment]
        if self.path == "/webhooks/rest/webhook":
            status, replies = server.reply
            self._answer(status, [{"recipient_id": body["sender"], **r} for r in replies] if status == 200 else {})
        elif self.path == "/model/parse":
            self._answer(200, {"intent": {"name": "consult", "confidence": 0.9}, "entities": []})
        elif self.path.endswith("/tracker/events"):
            self._answer(200, {"events": []})
        else:
            self._answer(404, {"status": "failure"})


class StandInRasa(ThreadingHTTPServer):
    """`reply`: the status and the messages a turn gets, e.g. (200, []) for a turn that said nothing."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", free_port()), _RasaHandler)
        self.reply: tuple[int, list[dict[str, Any]]] = (200, [{"text": "您好，请问有什么可以帮您？"}])

    @property
    def port(self) -> int:
        return int(self.server_address[1])


@contextmanager
def stand_in_rasa() -> Iterator[StandInRasa]:
    rasa = StandInRasa()
    thread = threading.Thread(target=rasa.serve_forever, daemon=True)
    thread.start()
    try:
        yield rasa
    finally:
        rasa.shutdown()
        rasa.server_close()
        thread.join(timeout=5)


def wait_until_answering(url: str, timeout: float) -> None:
    """Poll `url` until it answers 200 (a server started in another process), at most `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)  # on a refusal and on any other status alike
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")
