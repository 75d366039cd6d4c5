"""Latency of the knowledge layer's part of a turn, previous design beside today's, same run.

Usage: python -m scripts.bench_turn [N]   (the first N labelled questions, default 200)

previous: the retriever encodes the message itself and ranks entries (no verdict, no articles);
today:    Consultant.consult — one encoding shared by the entry and article retrievers, the cue
          reader, the verdict, and the quoted articles when it defers;
reused:   the same with the vector handed in (the NLU's e5 vector): what remains of a turn's
          retrieval once the message has been encoded once.
"""

from __future__ import annotations

import statistics
import sys
import time

from api.settings import get_settings
from knowledge.answer_labels import load_labels, load_questions
from knowledge.consultant import Consultant


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    return f"p50 {statistics.median(ordered):6.1f} ms   p95 {ordered[int(0.95 * (len(ordered) - 1))]:6.1f} ms"


def main(argv: list[str]) -> int:
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
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
