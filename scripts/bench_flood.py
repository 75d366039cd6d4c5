"""What a flood from one client costs the other residents, rate limits on and off, same run.

Usage: python -m scripts.bench_flood        (make bench-flood; a few minutes, loopback only)

Starts the real stack (Rasa, actions, API) on free loopback ports with a scratch database,
plus a second API process on the same Rasa with RATE_LIMITS=false: the previous design.
Both trust loopback as their reverse proxy, so each simulated resident is its own client
through X-Forwarded-For. For each API, RESIDENTS residents send the same labelled questions
one after another (with a pause, as people do), first alone ("quiet"), then while one other
client sends FLOOD_REQUESTS chat messages, each in a fresh conversation, from
FLOOD_CONNECTIONS connections spread over the residents' time ("flood"). The table gives
the residents' round-trip p50/p95 in each case and what became of the flood's requests.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from casebook.settings import PROJECT_ROOT
from knowledge.answer_labels import load_questions
from scripts.scratch_stack import scratch_stack
from scripts.stack import APP_BIN, Stack, free_port

logger = logging.getLogger("bench_flood")

RESIDENTS = 6
MESSAGES_PER_RESIDENT = 12
PAUSE_SECONDS = 4.0  # a resident reads the answer before typing the next (people take longer)
FLOOD_REQUESTS = 1000
FLOOD_CONNECTIONS = 20
FLOOD_SPREAD_SECONDS = 50.0  # the flood is paced to overlap the residents' whole session
PHASE_LIMIT_SECONDS = 150.0  # bounded: whatever the flood has not sent by then is dropped
REQUEST_TIMEOUT = 60.0
FLOODER = "10.66.66.66"


@dataclass
class Phase:
    api: str
    name: str
    latencies_ms: list[float] = field(default_factory=list)
    resident_errors: int = 0
    flood: Counter[str] = field(default_factory=Counter)
    flood_seconds: float = 0.0

    def p(self, quantile: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[round(quantile * (len(ordered) - 1))] if ordered else float("nan")


async def resident(base: str, number: int, questions: list[str], phase: Phase) -> None:
    # Each phase has residents of its own, as a new hour brings new people: one phase's
    # messages do not use up the next one's allowance.
    address = f"10.1.{1 if phase.name == 'quiet' else 2}.{number + 1}"
    sender = f"web-{uuid.uuid4()}"
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT) as client:
        for message in questions:
            started = time.perf_counter()
            try:
                response = await client.post(
                    f"{base}/api/chat",
                    json={"sender": sender, "message": message},
                    headers={"X-Forwarded-For": address},
                )
                response.raise_for_status()
                phase.latencies_ms.append((time.perf_counter() - started) * 1000)
            except httpx.HTTPStatusError as error:
                phase.resident_errors += 1
                logger.warning("resident %d: HTTP %d", number, error.response.status_code)
            except httpx.HTTPError as error:
                phase.resident_errors += 1
                logger.warning("resident %d: %s", number, type(error).__name__)
            await asyncio.sleep(PAUSE_SECONDS)


async def flood(base: str, stop: asyncio.Event) -> tuple[Counter[str], float]:
    """FLOOD_REQUESTS messages from one client, paced over FLOOD_SPREAD_SECONDS, until `stop`."""
    interval = FLOOD_SPREAD_SECONDS / FLOOD_REQUESTS
    started = time.perf_counter()
    statuses: Counter[str] = Counter()
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(FLOOD_REQUESTS):
        queue.put_nowait(n)
    limits = httpx.Limits(max_connections=FLOOD_CONNECTIONS)

    async def worker(client: httpx.AsyncClient) -> None:
        while not queue.empty() and not stop.is_set():
            n = queue.get_nowait()
            await asyncio.sleep(max(0.0, started + n * interval - time.perf_counter()))
            try:
                response = await client.post(
                    f"{base}/api/chat",
                    json={"sender": f"web-{uuid.uuid4()}", "message": "/emergency"},
                    headers={"X-Forwarded-For": FLOODER},
                )
                statuses[str(response.status_code)] += 1
            except httpx.HTTPError as error:
                statuses[type(error).__name__] += 1

    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT, limits=limits) as client:
        workers = [asyncio.ensure_future(worker(client)) for _ in range(FLOOD_CONNECTIONS)]
        await _until(stop, workers)
    return statuses, time.perf_counter() - started


async def _until(stop: asyncio.Event, workers: list[asyncio.Task[None]]) -> None:
    """Wait for the workers; when `stop` is set, drop what is still in flight."""
    stopping: asyncio.Future[object] = asyncio.ensure_future(stop.wait())
    finished: asyncio.Future[object] = asyncio.ensure_future(asyncio.gather(*workers))
    await asyncio.wait([stopping, finished], return_when=asyncio.FIRST_COMPLETED)
    pending: list[asyncio.Future[Any]] = [*workers, stopping, finished]
    for future in pending:
        future.cancel()
    await asyncio.gather(*workers, stopping, finished, return_exceptions=True)


def flood_process_main(base: str) -> int:
    """The flooder as its own process (an attacker is not inside the residents' client): it
    floods until SIGTERM and prints what became of its requests as JSON."""

    # A real flood comes from elsewhere: here it shares the two cores with the servers, so it
    # runs at the lowest priority and what is measured is what the servers spend on it.
    os.nice(19)

    async def run() -> tuple[Counter[str], float]:
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        return await flood(base, stop)

    statuses, seconds = asyncio.run(run())
    print(json.dumps({"statuses": statuses, "seconds": seconds}))
    return 0


async def flood_from_another_process(base: str, phase: Phase, stop: asyncio.Event) -> None:
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "scripts.bench_flood", "--flood", base, stdout=asyncio.subprocess.PIPE, cwd=PROJECT_ROOT
    )
    waiting = asyncio.ensure_future(child.wait())
    stopping = asyncio.ensure_future(stop.wait())
    await asyncio.wait([waiting, stopping], return_when=asyncio.FIRST_COMPLETED)
    if child.returncode is None:
        child.send_signal(signal.SIGTERM)
    output, _ = await child.communicate()
    stopping.cancel()
    result = json.loads(output or b"{}")
    phase.flood.update(result.get("statuses", {}))
    phase.flood_seconds = result.get("seconds", 0.0)


async def run_phase(base: str, phase: Phase, questions: list[list[str]], with_flood: bool) -> Phase:
    """The residents' session, with the flood running beside it; the flood stops when they are done."""
    stop = asyncio.Event()
    flooding = asyncio.ensure_future(flood_from_another_process(base, phase, stop)) if with_flood else None
    residents = [asyncio.ensure_future(resident(base, n, questions[n], phase)) for n in range(RESIDENTS)]
    _, late = await asyncio.wait(residents, timeout=PHASE_LIMIT_SECONDS)
    for task in late:
        task.cancel()
    await asyncio.gather(*late, return_exceptions=True)
    stop.set()
    if flooding is not None:
        await flooding
    if with_flood and sum(phase.flood.values()) < FLOOD_REQUESTS:
        phase.flood["not sent before the residents finished"] = FLOOD_REQUESTS - sum(phase.flood.values())
    return phase


def start_unlimited_api(stack: Stack, log_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    """The previous design: the same API code on the same Rasa, rate limits off."""
    port = free_port()
    env = stack.environment() | {"API_PORT": str(port), "RATE_LIMITS": "false"}
    command = [str(APP_BIN / "python"), "-m", "uvicorn", "api.main:create_app", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    log = open(log_dir / "api-unlimited.log", "ab")  # noqa: SIM115 (lives with the child)
    process = subprocess.Popen(command, env=env, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            # Any page that does not need Rasa: this only asks whether the server is up.
            if httpx.get(f"{base}/api/kiosk/settings", timeout=2).status_code == 200:
                return process, base
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            tail = (log_dir / "api-unlimited.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"the API without limits did not start:\n{tail}")
        time.sleep(0.5)


def print_table(phases: list[Phase]) -> None:
    quiet = {p.api: p.p(0.95) for p in phases if p.name == "quiet"}
    print(
        f"\n{RESIDENTS} residents x {MESSAGES_PER_RESIDENT} messages; flood: {FLOOD_REQUESTS} requests from one client"
    )
    print(f"{'limits':<8}{'phase':<7}{'n':>4}{'p50 ms':>9}{'p95 ms':>9}{'p95 vs quiet':>14}  {'errors':>6}  flood")
    for p in sorted(phases, key=lambda p: (p.api != "on", p.name != "quiet")):
        change = f"{(p.p(0.95) / quiet[p.api] - 1) * 100:+.0f}%" if p.name == "flood" else ""
        flood = ", ".join(f"{k}: {v}" for k, v in sorted(p.flood.items()))
        if flood:
            flood += f" in {p.flood_seconds:.1f} s" if p.flood_seconds else ""
        p50, p95 = p.p(0.5), p.p(0.95)
        print(
            f"{p.api:<8}{p.name:<7}{len(p.latencies_ms):>4}{p50:>9.0f}{p95:>9.0f}{change:>14}  {p.resident_errors:>6}  {flood}"
        )


def main() -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    texts = list(load_questions().values())
    questions = [texts[n * MESSAGES_PER_RESIDENT : (n + 1) * MESSAGES_PER_RESIDENT] for n in range(RESIDENTS)]
    os.environ["TRUSTED_PROXIES"] = "127.0.0.1"  # each resident is its own client via X-Forwarded-For
    os.environ["RATE_LIMITS"] = "true"
    with scratch_stack() as stack:
        unlimited: subprocess.Popen[bytes] | None = None
        try:
            unlimited, unlimited_base = start_unlimited_api(stack, stack.var_dir / "logs")
            limited_base = f"http://127.0.0.1:{stack.settings.api_port}"
            # Warm up Rasa and both APIs (first turns load caches).
            warm = [Phase("warm", "warm")]
            asyncio.run(run_phase(limited_base, warm[0], [texts[-3:]] * RESIDENTS, with_flood=False))
            phases = []
            # Quiet runs first for both, so a machine that gets busier meanwhile shows in both floods.
            for name in ("quiet", "flood"):
                for api, base in (("on", limited_base), ("off", unlimited_base)):
                    phase = Phase(api, name)
                    asyncio.run(run_phase(base, phase, questions, with_flood=name == "flood"))
                    phases.append(phase)
                    time.sleep(3)  # let Rasa drain whatever the flood queued
            print_table(phases)
        finally:
            if unlimited is not None:
                unlimited.terminate()
                unlimited.wait(timeout=15)
    return 0


if __name__ == "__main__":
    sys.exit(flood_process_main(sys.argv[2]) if sys.argv[1:2] == ["--flood"] else main())
