"""Latency of the knowledge layer's part of a turn, previous design beside today's, same run.

Usage: python -m scripts.bench_turn [N] [--stack]   (the first N labelled questions, default 200)

previous: the retriever encodes the message itself and ranks entries (no verdict, no articles);
today:    Consultant.consult — one encoding shared by the entry and article retrievers, the cue
          reader, the verdict, and the quoted articles when it defers;
reused:   the same with the vector handed in (the NLU's e5 vector): what remains of a turn's
          retrieval once the message has been encoded once.
--stack:  also a whole turn for one resident through the real stack (API → Rasa → actions),
          started on free loopback ports with a scratch database, one message after another.
"""

from __future__ import annotations

import statistics
import sys
import time
import uuid

import httpx

from casebook.settings import get_settings
from knowledge.answer_labels import load_labels, load_questions
from knowledge.consultant import Consultant
from scripts.scratch_stack import scratch_stack


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    return f"p50 {statistics.median(ordered):6.1f} ms   p95 {ordered[int(0.95 * (len(ordered) - 1))]:6.1f} ms"


def whole_turns(messages: list[str]) -> list[float]:
    """Milliseconds per /api/chat round trip, one resident, through a freshly started stack."""
    # 200 turns from one page in a row: this measures turns, not limits.
    with scratch_stack(rate_limits=False) as stack:
        settings = stack.settings
        url = f"http://{settings.api_host}:{settings.api_port}/api/chat"
        sender = f"web-{uuid.uuid4()}"
        httpx.post(url, json={"sender": sender, "message": "你好"}, timeout=60)  # warm up
        timings = []
        for message in messages:
            started = time.perf_counter()
            httpx.post(url, json={"sender": sender, "message": message}, timeout=60).raise_for_status()
            timings.append((time.perf_counter() - started) * 1000)
        return timings


def main(argv: list[str]) -> int:
    with_stack = "--stack" in argv
    argv = [a for a in argv if a != "--stack"]
    limit = int(argv[0]) if argv else 200
    consultant = Consultant.load(get_settings().index_dir)
    questions = load_questions()
    messages = [questions[label.id] for label in load_labels(consultant.kb)][:limit]
    consultant.consult(messages[0])  # warm up: jieba, caches
    timings: dict[str, list[float]] = {"previous": [], "today": [], "reused": []}
    for message in messages:
        started = time.perf_counter()
        consultant.retriever.search(message)
        timings["previous"].append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        consultant.consult(message)
        timings["today"].append((time.perf_counter() - started) * 1000)
        vector = consultant.retriever.encode(message)
        started = time.perf_counter()
        consultant.consult(message, vector=vector)
        timings["reused"].append((time.perf_counter() - started) * 1000)
    print(f"{len(messages)} labelled questions, encoder {consultant.retriever.encoder.name}")
    for name, samples in timings.items():
        print(f"  {name:<9} {_ms(samples)}")
    if with_stack:
        print(f"  whole turn through the stack (API, Rasa, actions; {min(limit, 60)} messages)")
        print(f"  {'turn':<9} {_ms(whole_turns(messages[:60]))}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
