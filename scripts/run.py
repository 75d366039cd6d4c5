"""`make run`: start Rasa, the action server and the API; Ctrl-C stops all three."""

from __future__ import annotations

import logging
import signal
import sys
import time
from types import FrameType

from api.settings import get_settings
from scripts.stack import Stack


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


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
        while True:
            stack.check_alive()
            time.sleep(1)
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
