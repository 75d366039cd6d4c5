"""`make run`'s supervisor: a server that exits is started again, but not without end."""

from __future__ import annotations

import pytest

from scripts.run import MAX_RESTARTS, RESTART_WINDOW, supervise
from scripts.stack import Service


class Exited:
    """A process that has already exited with `code` (nothing is started)."""

    def __init__(self, code: int):
        self.returncode = code

    def poll(self) -> int:
        return self.returncode


class CrashingStack:
    """The action server exits at the seconds listed in `crashes`; everything else stays up."""

    def __init__(self, crashes: list[float], clock: list[float]):
        self.crashes, self.clock = crashes, clock
        self.actions = Service("actions", ["actions"], "http://127.0.0.1:1/health")
        self.restarted: list[float] = []

    def crashed(self) -> list[Service]:
        if self.crashes and self.clock[0] >= self.crashes[0]:
            self.crashes.pop(0)
            self.actions.process = Exited(-9)  # type: ignore[assignment]
            return [self.actions]
        return []

    def restart(self, service: Service, timeout: float = 180.0) -> None:
        self.restarted.append(self.clock[0])


class Interrupted(Exception):
    pass


def run_until(stack: CrashingStack, clock: list[float], end: float) -> None:
    def sleep(seconds: float) -> None:
        clock[0] += seconds
        if clock[0] > end:
            raise Interrupted

    supervise(stack, sleep=sleep, clock=lambda: clock[0])  # type: ignore[arg-type]


def test_a_server_that_crashes_now_and_then_is_started_again_each_time() -> None:
    clock = [0.0]
    spaced = [i * (RESTART_WINDOW / 2) for i in range(1, 8)]  # never MAX_RESTARTS in one window
    stack = CrashingStack(list(spaced), clock)
    with pytest.raises(Interrupted):
        run_until(stack, clock, end=spaced[-1] + 10)
    assert stack.restarted == spaced


def test_a_server_that_keeps_crashing_stops_the_stack_for_a_person_to_look_at() -> None:
    clock = [0.0]
    stack = CrashingStack([float(i) for i in range(1, 10)], clock)
    with pytest.raises(RuntimeError, match="actions exited with code -9 again") as stopped:
        run_until(stack, clock, end=100)
    assert len(stack.restarted) == MAX_RESTARTS and "stopping" in str(stopped.value)


def test_nothing_is_restarted_while_everything_runs() -> None:
    clock = [0.0]
    stack = CrashingStack([], clock)
    with pytest.raises(Interrupted):
        run_until(stack, clock, end=60)
    assert stack.restarted == []
