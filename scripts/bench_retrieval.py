"""Retrieval benchmark on the development set: dense-only, lexical-only and hybrid, side by side.

Usage: python -m scripts.bench_retrieval [EVAL.jsonl]   (default ../shared/eval/dev_consultations.jsonl)
A hit is an answer whose entry cites one of the question's `cited` articles; "same book" counts
an entry citing any article of the same Civil Code book. Prints hit@1 and hit@3, latency per
query, index build time and the process's peak memory.
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from knowledge.entries import KnowledgeBase
from knowledge.retrieval.encoder import create_encoder
from knowledge.retrieval.index import load_or_build
from knowledge.retrieval.retriever import RetrievalConfig, Retriever
from knowledge.statutes import article_sort_key

DEFAULT_EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev_consultations.jsonl"
# Civil Code books by article range (总则 1-204, 物权 205-462, 合同 463-988, 人格权 989-1039,
# 婚姻家庭 1040-1118, 继承 1119-1163, 侵权责任 1164-1258, 附则 1259-1260).
BOOKS = [
    (204, "总则"),
    (462, "物权"),
    (988, "合同"),
    (1039, "人格权"),
    (1118, "婚姻家庭"),
    (1163, "继承"),
    (1258, "侵权责任"),
    (1260, "附则"),
]


def civil_code_book(label: str) -> str | None:
    if not label.startswith("民法典第"):
        return None
    number = article_sort_key(label.removeprefix("民法典"))
    return next(book for limit, book in BOOKS if number <= limit)


def main(eval_path: Path) -> int:
    if not eval_path.exists():
        print(f"评估集不存在，跳过 / no evaluation set at {eval_path}: skipped")
        return 0
    questions = [json.loads(line) for line in eval_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    kb = KnowledgeBase.load()
    config = RetrievalConfig.load()
    encoder = create_encoder(config.model, config.trust_remote_code)
    with tempfile.TemporaryDirectory() as index_dir:
        started = time.perf_counter()
        vectors = load_or_build(Path(index_dir), kb, encoder)
        build_seconds = time.perf_counter() - started
    citations = {e.id: {c.label for c in e.citations} for e in kb.entries}
    books = {e.id: {civil_code_book(label) for label in citations[e.id]} - {None} for e in kb.entries}
    modes = {
        "dense": config.model_copy(update={"lexical_weight": 0.0}),
        "lexical": config.model_copy(update={"dense_weight": 0.0}),
        "hybrid": config,
        # Other fusion weights, to show why data/retrieval.yml has the one it has.
        **{
            f"hyb-l{w}": config.model_copy(update={"dense_weight": 1.0, "lexical_weight": w})
            for w in (0.25, 0.5, 1.0)
            if (config.dense_weight, config.lexical_weight) != (1.0, w)
        },
    }
    print(f"{len(questions)} questions, {len(kb)} entries, index build {build_seconds:.1f} s ({encoder.name})")
    print(f"{'mode':8} {'hit@1':>6} {'hit@3':>6} {'book@1':>7} {'book@3':>7} {'p50 ms':>7} {'p95 ms':>7}")
    for name, mode_config in modes.items():
        retriever = Retriever(kb, encoder, vectors, mode_config)
        retriever.search("热身")
        hit1 = hit3 = book1 = book3 = 0
        latencies: list[float] = []
        for question in questions:
            started = time.perf_counter()
            hits = retriever.search(question["query"], top_k=3).hits
            latencies.append((time.perf_counter() - started) * 1000)
            cited = set(question.get("cited", []))
            cited_books = {civil_code_book(label) for label in cited} - {None}
            found = [citations[h.entry_id] & cited for h in hits]
            found_books = [books[h.entry_id] & cited_books for h in hits]
            hit1 += bool(found and found[0])
            hit3 += any(found)
            book1 += bool(found_books and found_books[0])
            book3 += any(found_books)
        latencies.sort()
        n = len(questions)
        print(
            f"{name:8} {hit1 / n:6.1%} {hit3 / n:6.1%} {book1 / n:7.1%} {book3 / n:7.1%} "
            f"{statistics.median(latencies):7.1f} {latencies[int(0.95 * (n - 1))]:7.1f}"
        )
    print(f"peak resident memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_EVAL))
