"""`make run`: start Rasa, the action server and the API; Ctrl-C stops all three.

A server that exits is started again (a crash should not need a person), up to MAX_RESTARTS in
RESTART_WINDOW seconds: more than that is a fault to look at, and the whole stack stops."""

from __future__ import annotations

import logging
import signal
import sys
import time
from collections import deque
from collections.abc import Callable
from types import FrameType
from typing import NoReturn

from casebook.settings import get_settings
from scripts.stack import Stack

MAX_RESTARTS = 3
RESTART_WINDOW = 300.0


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def supervise(
    stack: Stack, *, sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic
) -> NoReturn:
    """Watch the servers until interrupted, starting again any that exits, within the budget."""
    restarts: deque[float] = deque()
    while True:
        for service in stack.crashed():
            now = clock()
            while restarts and now - restarts[0] > RESTART_WINDOW:
                restarts.popleft()
            code = service.process.returncode if service.process else None
            if len(restarts) >= MAX_RESTARTS:
                raise RuntimeError(f"{service.name} exited with code {code} again; stopping")
            logging.warning("%s exited with code %s; starting it again", service.name, code)
            restarts.append(now)
            stack.restart(service)
        sleep(1)


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="[run] %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # health polling is not news
    signal.signal(signal.SIGTERM, _interrupt)
    settings = get_settings()
    stack = Stack(settings)
    try:
        stack.start()
        base = f"http://{settings.api_host}:{settings.api_port}"
        print(
            f"\n法律服务助手已启动 / the assistant is running:\n  网页聊天 web chat:  {base}/\n"
            f"  API 文档 API docs:  {base}/docs\n按 Ctrl-C 停止 / press Ctrl-C to stop.\n",
            flush=True,
        )
        supervise(stack)
    except KeyboardInterrupt:
        logging.info("stopping")
        return 0
    except (RuntimeError, TimeoutError) as error:
        logging.error("%s", error)
        return 1
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
