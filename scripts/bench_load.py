"""How many residents the assistant serves at once, `make run` beside `make cluster`, one run.

    python -m scripts.bench_load [--window S] [--steps 50,100,...] [--only "make run"]   (make bench-load)

For each topology it starts itself (the real servers on free loopback ports, scratch databases,
gone afterwards) it prints:

- capacity: simulated residents, each in a conversation of its own, type a message, read the
  reply and think for THINK_SECONDS (7-13 s, 10 on average) before the next; each step of the
  ladder (50, 100, ... 300) runs for one window, and the ladder stops at the first step whose
  p95 exceeds P95_BAR_SECONDS or that has errors. Capacity is the last step that met the bar.
- back to back: BACK_TO_BACK_RESIDENTS residents sending without a pause: turns/s and p95;
- one resident: the full turn through the API against Rasa's bare NLU parse (`/model/parse`)
  of the same messages, p50 each and their ratio;
- memory: resident set (RSS) of every process of the topology, children included, summed
  (shared pages count once per process, so the sum overstates a little).

Bounded: loopback only; at most MAX_RESIDENTS residents; each step, the back-to-back phase and
the single resident each stop after their window (requests in flight get REQUEST_TIMEOUT more);
the whole run with both topologies takes about 20 minutes at the default window.

Rate limits are off in the measured topologies (RATE_LIMITS=false), and the output says so:
every simulated resident comes from 127.0.0.1, and back to back one conversation sends far
faster than a person, which its per-conversation limit rightly refuses.

The topologies it starts are in scripts/bench_topologies.py.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from api.rasa_token import bearer_headers
from api.resident_texts import resident_texts
from scripts.bench_topologies import TOPOLOGIES, Running

logger = logging.getLogger("bench_load")

STEPS = (50, 100, 150, 200, 250, 300)
MAX_RESIDENTS = 400
WINDOW_SECONDS = 60.0
THINK_SECONDS = (7.0, 13.0)  # uniform: 10 s on average, not in lockstep
P95_BAR_SECONDS = 1.0
BACK_TO_BACK_RESIDENTS = 50
BACK_TO_BACK_SECONDS = 30.0
SINGLE_TURNS = 40
REQUEST_TIMEOUT = 30.0
# What the API answers when a turn failed although HTTP said 200.
FAILED_TEXTS = frozenset({resident_texts().no_reply, resident_texts().dialogue_unavailable})

# Conversations as residents hold them: a greeting, questions in their own words, sometimes a
# service form started and left, thanks. Written for this benchmark (not the evaluation set).
GREETINGS = ("你好", "您好，请问在吗", "在吗？想咨询点事", "你好，我想问个法律问题")
QUESTIONS = (
    "我在工地干了半年活，包工头一直拖着工钱不给，怎么办",
    "公司突然让我明天不用来上班了，也不给补偿，合法吗",
    "试用期被辞退有没有赔偿",
    "加班从来不给加班费，可以去哪里投诉",
    "我老公经常喝酒打我，我想离婚，孩子能跟我吗",
    "离婚的时候房子写的是他爸妈的名字，我能分到吗",
    "父亲去世了没留遗嘱，几个兄弟姐妹怎么分房子",
    "朋友借了我两万块钱，打了欠条，现在不还还拉黑我",
    "借条过了三年还能起诉吗",
    "隔壁盖房子占了我家一米宅基地，村里不管",
    "承包的地被村里收回去了，没有给补偿",
    "骑电动车被小轿车撞了，对方只肯赔医药费",
    "在超市买到过期食品，商家不肯退钱",
    "网购的手机是翻新机，店家不承认",
    "房东不退押金，说墙上有钉子眼",
    "物业费涨了一倍，业主可以拒交吗",
    "被邻居家的狗咬伤了，他说是我先逗狗的",
    "老人被骗买了几万块保健品，能追回来吗",
    "孩子在学校被同学打伤了，学校有责任吗",
    "交了定金后不想买了，定金能退吗",
    "工伤认定要准备什么材料",
    "我家孩子十六岁，打工的老板不给签合同",
)
SERVICE_STARTS = ("我想申请法律援助", "想找人调解一下和邻居的纠纷", "我要办个公证", "能帮我找个律师吗")
LEAVING_A_FORM = ("算了，先不办了", "不填了")
CLOSINGS = ("谢谢你", "好的，明白了，谢谢")


def conversation(rng: random.Random) -> Iterator[str]:
    """One resident's messages, endless: greeting, questions, now and then a service started and
    left, thanks; then the next visit."""
    while True:
        yield rng.choice(GREETINGS)
        for _ in range(rng.randint(2, 4)):
            yield rng.choice(QUESTIONS)
        if rng.random() < 0.3:
            yield rng.choice(SERVICE_STARTS)
            yield rng.choice(LEAVING_A_FORM)
        yield rng.choice(CLOSINGS)


# --- what is measured ---


@dataclass
class Step:
    residents: int
    latencies: list[float] = field(default_factory=list)  # seconds, turns that succeeded
    errors: int = 0
    seconds: float = 0.0

    @property
    def turns(self) -> int:
        return len(self.latencies)

    @property
    def p95(self) -> float:
        return percentile(self.latencies, 0.95)

    @property
    def p50(self) -> float:
        return percentile(self.latencies, 0.50)

    @property
    def rate(self) -> float:
        return self.turns / self.seconds if self.seconds else 0.0

    def meets_the_bar(self) -> bool:
        return self.turns > 0 and self.errors == 0 and self.p95 <= P95_BAR_SECONDS


def percentile(samples: list[float], quantile: float) -> float:
    """Nearest rank; NaN for no samples."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(quantile * len(ordered)) - 1))]


def failed(response: httpx.Response) -> bool:
    if response.status_code != 200:
        return True
    replies = response.json()
    return not replies or any(reply.get("text") in FAILED_TEXTS for reply in replies)


async def resident(
    client: httpx.AsyncClient, url: str, step: Step, until: float, think: tuple[float, float], seed: int
) -> None:
    """One resident's conversation until the window closes; the first message comes within one
    think time, so residents do not all type at the same moment."""
    rng = random.Random(seed)
    sender = f"web-{uuid.UUID(int=rng.getrandbits(128), version=4)}"
    texts = conversation(rng)
    if think[1] > 0:
        await asyncio.sleep(rng.uniform(0, think[1]))
    while time.monotonic() < until:
        started = time.monotonic()
        try:
            response = await client.post(url, json={"sender": sender, "message": next(texts)})
            bad = failed(response)
        except httpx.HTTPError:
            bad = True
        if bad:
            step.errors += 1
        else:
            step.latencies.append(time.monotonic() - started)
        if think[1] > 0:
            await asyncio.sleep(rng.uniform(*think))


async def run_step(
    url: str,
    residents: int,
    window: float,
    think: tuple[float, float],
    seed: int,
    transport: httpx.AsyncBaseTransport | None = None,
    fault: Callable[[], None] | None = None,
) -> Step:
    """`residents` at once for `window` seconds; `transport` stands in for the network in tests;
    `fault` runs once, halfway through the window, beside the residents."""
    step = Step(min(residents, MAX_RESIDENTS))
    limits = httpx.Limits(max_connections=step.residents, max_keepalive_connections=step.residents)
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT, limits=limits, transport=transport) as client:
        started = time.monotonic()
        until = started + window
        residents_talking = (
            resident(client, url, step, until, think, seed * 100_003 + n) for n in range(step.residents)
        )
        await asyncio.gather(*residents_talking, *([halfway(window, fault)] if fault else []))
        step.seconds = time.monotonic() - started
    return step


async def halfway(window: float, fault: Callable[[], None]) -> None:
    await asyncio.sleep(window / 2)
    await asyncio.to_thread(fault)  # a blocking kill or wait must not stall the residents


def capacity(
    url: str,
    steps: Iterable[int],
    window: float,
    think: tuple[float, float] = THINK_SECONDS,
    transport: httpx.AsyncBaseTransport | None = None,
    fault: Callable[[], None] | None = None,
    recover: Callable[[], None] | None = None,
) -> list[Step]:
    """The ladder, up to and including the first step over the bar."""
    done: list[Step] = []
    for number, residents in enumerate(steps):
        step = asyncio.run(run_step(url, residents, window, think, number, transport, fault))
        if recover is not None:
            recover()
        done.append(step)
        logger.info("%d residents: %d turns, p95 %.2f s, %d errors", step.residents, step.turns, step.p95, step.errors)
        if not step.meets_the_bar():
            break
    return done


@dataclass(frozen=True)
class SingleResident:
    turn_p50: float
    parse_p50: float

    @property
    def ratio(self) -> float:
        return self.turn_p50 / self.parse_p50


def single_resident(running: Running, turns: int = SINGLE_TURNS) -> SingleResident:
    """One resident alone: each message's bare parse, then the same message as a turn."""
    rng = random.Random(7)
    texts = conversation(rng)
    sender = f"web-{uuid.uuid4()}"
    parse_url = f"{running.rasa_url.rstrip('/')}/model/parse"
    turn_times, parse_times = [], []
    with httpx.Client(timeout=REQUEST_TIMEOUT) as client:
        client.post(running.chat_url, json={"sender": sender, "message": "你好"})  # warm up
        for _ in range(turns):
            text = next(texts)
            started = time.perf_counter()
            client.post(parse_url, json={"text": text}, headers=bearer_headers(running.rasa_token)).raise_for_status()
            parse_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            client.post(running.chat_url, json={"sender": sender, "message": text}).raise_for_status()
            turn_times.append(time.perf_counter() - started)
    return SingleResident(statistics.median(turn_times), statistics.median(parse_times))


def descendants(pid: int) -> list[int]:
    found = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return found
    for child in children:
        found += descendants(int(child))
    return found


def resident_memory_bytes(pids: Iterable[int]) -> int:
    """VmRSS of the processes and all their children (a process counted once)."""
    total, seen = 0, set()
    for top in pids:
        for pid in descendants(top):
            if pid in seen:
                continue
            seen.add(pid)
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            except OSError:
                pass
    return total


@dataclass
class Report:
    name: str
    notes: tuple[str, ...]
    ladder: list[Step]
    back_to_back: Step
    single: SingleResident
    memory_bytes: int

    @property
    def capacity(self) -> int:
        met = [step.residents for step in self.ladder if step.meets_the_bar()]
        return max(met, default=0)


def measure(running: Running, steps: list[int], window: float) -> Report:
    single = single_resident(running)
    logger.info(
        "%s: one resident, turn p50 %.0f ms, parse p50 %.0f ms",
        running.name,
        single.turn_p50 * 1000,
        single.parse_p50 * 1000,
    )
    ladder = capacity(running.chat_url, steps, window, fault=running.fault, recover=running.recover)
    memory = resident_memory_bytes(running.processes())  # after the load: what it grew to
    back = asyncio.run(
        run_step(running.chat_url, BACK_TO_BACK_RESIDENTS, min(window, BACK_TO_BACK_SECONDS), (0, 0), 99)
    )
    logger.info("%s: back to back %.1f turns/s, p95 %.2f s", running.name, back.rate, back.p95)
    return Report(running.name, running.notes, ladder, back, single, memory)


# --- output ---


def capacity_text(report: Report) -> str:
    if report.capacity or not report.ladder:
        return f"{report.capacity} residents"
    return f"< {report.ladder[0].residents} residents"  # not even the first step met the bar


def table(reports: list[Report], window: float) -> str:
    names = [r.name for r in reports]
    width = max(16, *(len(n) + 2 for n in names))

    def row(label: str, cells: Iterable[str]) -> str:
        return f"{label:<34}" + "".join(f"{c:>{width}}" for c in cells)

    lines = [
        *(f"{r.name}: {', '.join(r.notes)}" for r in reports),
        "",
        row("", names),
        f"residents in conversation at once (think {THINK_SECONDS[0]:.0f}-{THINK_SECONDS[1]:.0f} s, "
        f"{window:.0f} s a step): p95 / errors",
    ]
    for residents in sorted({s.residents for r in reports for s in r.ladder}):
        cells = []
        for report in reports:
            step = next((s for s in report.ladder if s.residents == residents), None)
            cells.append("-" if step is None else f"{step.p95:.2f} s / {step.errors}")
        lines.append(row(f"  {residents} residents", cells))
    lines += [
        row(f"capacity at p95 <= {P95_BAR_SECONDS:.0f} s, 0 errors", (capacity_text(r) for r in reports)),
        row(
            f"back to back, {BACK_TO_BACK_RESIDENTS} residents: turns/s",
            (f"{r.back_to_back.rate:.1f}" for r in reports),
        ),
        row("  p95 / errors", (f"{r.back_to_back.p95:.2f} s / {r.back_to_back.errors}" for r in reports)),
        row("one resident: full turn p50", (f"{r.single.turn_p50 * 1000:.0f} ms" for r in reports)),
        row("  bare NLU parse p50", (f"{r.single.parse_p50 * 1000:.0f} ms" for r in reports)),
        row("  turn / parse", (f"{r.single.ratio:.1f}x" for r in reports)),
        row("resident memory, all processes", (f"{r.memory_bytes / 2**30:.2f} GB" for r in reports)),
    ]
    return "\n".join(lines)


def parse_options(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench_load", description=__doc__.splitlines()[0])
    parser.add_argument("--window", type=float, default=WINDOW_SECONDS, help="seconds per step (default 60)")
    parser.add_argument(
        "--steps",
        type=lambda text: [int(n) for n in text.split(",")],
        default=list(STEPS),
        help=f"residents per step, comma-separated (default {','.join(map(str, STEPS))}; at most {MAX_RESIDENTS})",
    )
    parser.add_argument("--only", choices=sorted(TOPOLOGIES), action="append", help="measure this topology only")
    options = parser.parse_args(argv)
    if any(n < 1 or n > MAX_RESIDENTS for n in options.steps) or not 5 <= options.window <= 600:
        parser.error(f"steps must be 1-{MAX_RESIDENTS} residents, the window 5-600 s")
    return options


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="[bench-load] %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    options = parse_options(sys.argv[1:] if argv is None else argv)
    reports = []
    for name in options.only or list(TOPOLOGIES):
        logger.info("starting %s", name)
        with TOPOLOGIES[name]() as running:
            reports.append(measure(running, options.steps, options.window))
    load = os.getloadavg()
    print(f"\nload average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
    print(table(reports, options.window))
    return 0


if __name__ == "__main__":
    sys.exit(main())
