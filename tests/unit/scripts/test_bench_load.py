"""`make bench-load`'s measuring: the ladder stops at the first step over the bar, a failed turn
is an error even with HTTP 200, and the table sets the topologies side by side."""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys
from collections import Counter

import httpx
import pytest

from api.resident_texts import resident_texts
from scripts.bench_load import (
    CLOSINGS,
    GREETINGS,
    QUESTIONS,
    SERVICE_STARTS,
    Report,
    SingleResident,
    Step,
    capacity,
    conversation,
    parse_options,
    percentile,
    resident_memory_bytes,
    run_step,
    table,
)

URL = "http://bench.invalid/api/chat"
QUICK = (0.02, 0.05)  # think time in these tests: the ladder's logic, not its minutes


def server(*, fails_above: int, answer: str = "您好") -> httpx.MockTransport:
    """Answers like the API; with more than `fails_above` requests in flight, 503s."""
    in_flight = 0

    async def handle(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight
        in_flight += 1
        try:
            await asyncio.sleep(0.01)
            if in_flight > fails_above:
                return httpx.Response(503, json={"detail": resident_texts().dialogue_unavailable})
            sender = json.loads(request.content)["sender"]
            return httpx.Response(200, json=[{"recipient_id": sender, "text": answer}])
        finally:
            in_flight -= 1

    return httpx.MockTransport(handle)


def test_the_ladder_stops_at_the_first_step_over_the_bar() -> None:
    ladder = capacity(URL, [2, 4, 40, 80], window=1.0, think=QUICK, transport=server(fails_above=8))
    assert [step.residents for step in ladder] == [2, 4, 40]  # 80 is never tried
    assert [step.meets_the_bar() for step in ladder] == [True, True, False]
    assert ladder[-1].errors > 0 and ladder[0].turns > 0


def test_a_fault_strikes_halfway_through_each_step_and_is_undone_before_the_next() -> None:
    events: list[str] = []
    ladder = capacity(
        URL,
        [2, 3],
        window=0.4,
        think=QUICK,
        transport=server(fails_above=99),
        fault=lambda: events.append("fault"),
        recover=lambda: events.append("recover"),
    )
    assert [step.residents for step in ladder] == [2, 3]
    assert events == ["fault", "recover", "fault", "recover"]


def test_a_turn_that_answered_the_outage_notice_is_an_error() -> None:
    step = asyncio.run(run_step(URL, 3, 0.5, QUICK, 1, server(fails_above=99, answer=resident_texts().no_reply)))
    assert step.turns == 0 and step.errors > 0
    assert not step.meets_the_bar()


def test_each_resident_keeps_one_conversation() -> None:
    senders: Counter[str] = Counter()

    async def handle(request: httpx.Request) -> httpx.Response:
        sender = json.loads(request.content)["sender"]
        senders[sender] += 1
        return httpx.Response(200, json=[{"recipient_id": sender, "text": "好的"}])

    asyncio.run(run_step(URL, 5, 0.5, QUICK, 2, httpx.MockTransport(handle)))
    assert len(senders) == 5 and all(count > 1 for count in senders.values())
    assert all(sender.startswith("web-") for sender in senders)


def test_conversations_mix_greetings_questions_services_and_thanks() -> None:
    said = [text for _, text in zip(range(400), conversation(random.Random(3)), strict=False)]
    assert said[0] in GREETINGS
    for kind in (GREETINGS, QUESTIONS, SERVICE_STARTS, CLOSINGS):
        assert any(text in kind for text in said)


def test_p95_is_the_nearest_rank() -> None:
    samples = [i / 100 for i in range(1, 101)]
    assert percentile(samples, 0.95) == 0.95
    assert percentile([0.3], 0.95) == 0.3


def test_memory_counts_the_children_of_a_process() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; b = bytearray(50_000_000); time.sleep(30)"])
    try:
        own = resident_memory_bytes([os.getpid()])
        for _ in range(50):
            with_child = resident_memory_bytes([os.getpid()])
            if with_child > own + 40_000_000:
                break
            subprocess.run(["sleep", "0.1"], check=True)
        assert with_child > own + 40_000_000
    finally:
        child.kill()
        child.wait()


def test_the_table_sets_the_topologies_side_by_side() -> None:
    def report(name: str, steps: list[Step]) -> Report:
        back = Step(50, [0.5] * 100, 0, 10.0)
        return Report(name, ("RATE_LIMITS=false",), steps, back, SingleResident(0.06, 0.02), 1_500_000_000)

    run = report("make run", [Step(50, [0.2] * 10), Step(100, [2.0] * 10)])
    cluster = report("make cluster", [Step(50, [0.1] * 10), Step(100, [0.3] * 10), Step(150, [0.9] * 10, 2)])
    text = table([run, cluster], window=60)
    assert "make run" in text and "make cluster" in text and "RATE_LIMITS=false" in text
    capacity_line = next(line for line in text.splitlines() if line.startswith("capacity"))
    assert capacity_line.split()[-4:] == ["50", "residents", "100", "residents"]
    assert "3.0x" in text and "10.0" in text  # turn/parse ratio; back-to-back turns/s
    overloaded = report("make run", [Step(50, [2.0] * 10)])
    assert "< 50 residents" in table([overloaded], window=60)


def test_the_run_is_bounded() -> None:
    with pytest.raises(SystemExit):
        parse_options(["--steps", "50,5000"])
    with pytest.raises(SystemExit):
        parse_options(["--window", "3600"])
    assert parse_options(["--only", "make run"]).only == ["make run"]
