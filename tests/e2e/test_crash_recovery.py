"""`make run` survives its servers' crashes and leaves nothing behind after its own: a server
killed with kill -9 is started again; the supervisor killed with kill -9 takes its servers with it,
and the next start comes up by itself (no "address already in use", nobody killing processes)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import httpx
import pytest

from api.resident_texts import resident_texts
from casebook.settings import PROJECT_ROOT
from scripts.stack import APP_BIN, Stack, free_port

pytestmark = pytest.mark.e2e

STARTED = "法律服务助手已启动"


class Supervisor:
    """`python -m scripts.run` (what `make run` starts) on free ports, its output collected."""

    def __init__(self, env: dict[str, str]):
        self.process = subprocess.Popen(
            [str(APP_BIN / "python"), "-m", "scripts.run"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        threading.Thread(target=self._collect, daemon=True).start()

    def _collect(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    def wait_until_started(self, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while not any(STARTED in line for line in self.lines):
            assert self.process.poll() is None, "".join(self.lines[-30:])
            assert time.monotonic() < deadline, "".join(self.lines[-30:])
            time.sleep(0.5)

    def children(self) -> list[int]:
        return [int(pid) for line in self.lines for pid in re.findall(r"started \w+ \(pid (\d+)\)", line)]


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"  # a zombie has already exited


def environment(tmp_path: Path, ports: dict[str, int]) -> dict[str, str]:
    return {
        **os.environ,
        **{name: str(port) for name, port in ports.items()},
        "PYTHONPATH": str(PROJECT_ROOT),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'assistant.db'}",
        "RATE_LIMITS": "false",
    }


def test_a_server_killed_with_kill_9_is_started_again_by_the_supervisor(tmp_path: Path) -> None:
    ports = {"API_PORT": free_port(), "RASA_PORT": free_port(), "ACTION_PORT": free_port()}
    supervisor = Supervisor(environment(tmp_path, ports))
    try:
        supervisor.wait_until_started()
        actions = supervisor.children()[0]  # started first: see scripts/stack.py
        os.kill(actions, signal.SIGKILL)
        deadline = time.monotonic() + 180
        while len(supervisor.children()) < 4 or not any("actions is ready" in line for line in supervisor.lines[-5:]):
            assert supervisor.process.poll() is None, "".join(supervisor.lines[-30:])
            assert time.monotonic() < deadline, "".join(supervisor.lines[-30:])
            time.sleep(0.5)
        assert supervisor.children()[3] != actions and listening(ports["ACTION_PORT"])
    finally:
        supervisor.process.send_signal(signal.SIGTERM)
        assert supervisor.process.wait(timeout=60) == 0


def test_a_supervisor_killed_with_kill_9_takes_its_servers_with_it_and_the_next_start_comes_up(
    tmp_path: Path,
) -> None:
    ports = {"API_PORT": free_port(), "RASA_PORT": free_port(), "ACTION_PORT": free_port()}
    env = environment(tmp_path, ports)
    first = Supervisor(env)
    try:
        first.wait_until_started()
        servers = first.children()
        assert len(servers) == 3 and all(listening(port) for port in ports.values())

        first.process.send_signal(signal.SIGKILL)
        first.process.wait(timeout=10)
        deadline = time.monotonic() + 30
        while any(alive(pid) for pid in servers) or any(listening(port) for port in ports.values()):
            assert time.monotonic() < deadline, [pid for pid in servers if alive(pid)]
            time.sleep(0.5)
    finally:
        if first.process.poll() is None:
            first.process.kill()

    second = Supervisor(env)  # same ports, same database
    try:
        second.wait_until_started()
        assert all(listening(port) for port in ports.values())
    finally:
        second.process.send_signal(signal.SIGTERM)
        assert second.process.wait(timeout=60) == 0
    assert not any(listening(port) for port in ports.values())


def test_with_the_action_server_down_a_resident_is_told_so_in_chinese_never_left_in_silence(
    real_stack: Callable[[str], AbstractContextManager[Stack]],
) -> None:
    with real_stack("actions-down") as stack:
        actions = stack.services[0]
        assert actions.name == "actions" and actions.process is not None
        actions.process.kill()
        actions.process.wait(timeout=10)
        base = f"http://{stack.settings.api_host}:{stack.settings.api_port}"
        response = httpx.post(
            f"{base}/api/chat", json={"sender": f"web-{uuid.uuid4()}", "message": "老板拖欠工资怎么办"}, timeout=60
        )
    assert response.status_code == 200
    assert [reply.get("text") for reply in response.json()] == [resident_texts().no_reply]
