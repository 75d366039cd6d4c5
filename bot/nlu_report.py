"""NLU benchmark: intent and area accuracy on held-out examples, parse latency, memory.

Usage: python -m bot.nlu_report MODEL TEST_DATA.yml
Prints intent accuracy and macro-F1, area accuracy over consultation examples (labels from the
`area` metadata of their intent blocks), parse latency p50/p95 with the full pipeline loaded,
and the process's resident memory (what a Rasa server with this model holds, plus little).
"""

from __future__ import annotations

import asyncio
import logging
import resource
import statistics
import sys
import time
from collections import Counter

from rasa.core.agent import Agent
from rasa.shared.nlu.training_data.loading import load_data
from rasa.utils.common import configure_logging_and_warnings
from rasa.utils.log_utils import configure_structlog


def macro_f1(pairs: list[tuple[str, str]], weighted: bool = False) -> float:
    labels = {gold for gold, _ in pairs}
    support = {label: sum(1 for g, _ in pairs if g == label) for label in labels}
    scores = []
    for label in labels:
        tp = sum(1 for g, p in pairs if g == label and p == label)
        fp = sum(1 for g, p in pairs if g != label and p == label)
        fn = sum(1 for g, p in pairs if g == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores.append(f1 * support[label] / len(pairs) if weighted else f1 / len(labels))
    return sum(scores)


async def main(model: str, test_path: str) -> None:
    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)
    agent = Agent.load(model)
    data = load_data(test_path)
    await agent.parse_message("热身")  # first parse builds caches
    intents: list[tuple[str, str]] = []
    areas: list[tuple[str, str]] = []
    latencies: list[float] = []
    for example in data.intent_examples:
        started = time.perf_counter()
        result = await agent.parse_message(example.get("text"))
        latencies.append((time.perf_counter() - started) * 1000)
        predicted = result["intent"]["name"]
        if predicted == "nlu_fallback" and result.get("intent_ranking"):
            predicted = next((r["name"] for r in result["intent_ranking"] if r["name"] != "nlu_fallback"), predicted)
        intents.append((example.get("intent"), predicted))
        area = ((example.get("metadata") or {}).get("intent") or {}).get("area")
        if area:
            areas.append((area, (result.get("area") or {}).get("name")))
    latencies.sort()
    accuracy = sum(g == p for g, p in intents) / len(intents)
    print(f"examples: {len(intents)} ({len(areas)} consultations with an area)")
    print(
        f"intent accuracy: {accuracy:.3f}  macro-F1: {macro_f1(intents):.3f}  "
        f"weighted F1: {macro_f1(intents, weighted=True):.3f}"
    )
    if areas:
        print(f"area accuracy: {sum(g == p for g, p in areas) / len(areas):.3f}  macro-F1: {macro_f1(areas):.3f}")
    confusions = Counter((g, p) for g, p in intents if g != p).most_common(8)
    print("most confused intents: " + ", ".join(f"{g}→{p}×{n}" for (g, p), n in confusions))
    print(
        f"parse latency ms: p50 {statistics.median(latencies):.1f}  p95 {latencies[int(0.95 * (len(latencies) - 1))]:.1f}"
    )
    print(f"peak resident memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    asyncio.run(main(sys.argv[1], sys.argv[2]))
