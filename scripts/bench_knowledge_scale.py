"""What growing the knowledge base costs and buys: the entries before the growth, today's, and a
synthetic 20,000, side by side in one run.

Usage: python -m scripts.bench_knowledge_scale [--base REV] [--synthetic N] [--repeat K]

For each knowledge base: entries and documents, the index's memory (the process's resident set
after loading it, minus before), and per labelled question (eval/answer_labels.jsonl, texts read
from ../shared/eval) the latency of retrieval (the hybrid search given the turn's vector) and of the
whole consultation after encoding (reading, retrieval, verdict, reply), p50 / p95, and the time to
get the index (encoded here, or loaded when `make build` already has it). For the real
bases also hit@1 / hit@3 of retrieval on the questions labelled with an answering entry, blind
and tune parts apart: labels name the entries of their time, so a new entry that answers a point
counts as a miss until the labels are extended.

The synthetic base is today's entries plus generated ones up to N: phrasings and answers spliced
from real ones (so the lexical index has realistic terms) with vectors mixed from real vectors
(so the dense index has realistic geometry without hours of encoding). It measures the shape of
the cost curve, not answer quality.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from casebook.settings import get_settings
from knowledge.answer_labels import AnswerLabel, load_labels, load_questions
from knowledge.consultant import Consultant, load_service_guide
from knowledge.entries import Entry, KnowledgeBase
from knowledge.reading.cues import load_cues
from knowledge.retrieval.articles import ArticleRetriever
from knowledge.retrieval.encoder import Encoder, create_encoder
from knowledge.retrieval.index import documents_of, load_or_build
from knowledge.retrieval.retriever import RetrievalConfig, Retriever
from knowledge.statutes import StatuteLibrary
from knowledge.verdict import load_verdict_model

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# The last commit before the knowledge base grew past its first 326 entries.
BEFORE_GROWTH = "a0df4e9"


def resident_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def entries_at(revision: str, into: Path) -> KnowledgeBase:
    """The knowledge base as committed at `revision`, read with today's schema where it can be."""
    archive = subprocess.run(
        ["git", "archive", revision, "knowledge/data/entries"], cwd=PROJECT_ROOT, check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    directory = into / "knowledge" / "data" / "entries"
    try:
        return KnowledgeBase.load(directory)
    except ValueError:
        # Entries from before review fields existed: take their content, not their review record.
        return _without_review_fields(directory)


def _without_review_fields(directory: Path) -> KnowledgeBase:
    entries = []
    for path in sorted(directory.glob("*.yml")):
        for raw in yaml.safe_load(path.read_text(encoding="utf-8"))["entries"]:
            laws = {citation["law"] for citation in raw.get("citations", [])}
            raw = {**raw, "reviewed_by": "before the review record", "relies_on": dict.fromkeys(laws, "2000-01-01")}
            entries.append(Entry.model_validate(raw))
    return KnowledgeBase(entries)


def _splice(rng: random.Random, first: str, second: str) -> str:
    cut_a, cut_b = rng.randint(1, max(1, len(first) - 1)), rng.randint(0, max(0, len(second) - 1))
    return first[:cut_a] + second[cut_b:]


def synthetic(kb: KnowledgeBase, vectors: np.ndarray, total: int, seed: int = 7) -> tuple[KnowledgeBase, np.ndarray]:
    """`kb` grown to `total` entries by splicing, with vectors mixed from its documents' vectors."""
    rng = random.Random(seed)
    generator = np.random.default_rng(seed)
    questions = [q for e in kb.entries for q in e.questions]
    entries, new_vectors = list(kb.entries), [vectors]
    for number in range(total - len(kb)):
        model = rng.choice(kb.entries)
        texts = [_splice(rng, rng.choice(questions), rng.choice(questions)) for _ in range(len(model.questions))]
        entry = model.model_copy(update={"id": f"synthetic-{number:05d}", "questions": texts})
        entries.append(entry)
        pick = generator.integers(0, len(vectors), size=(len(texts) + 1, 2))
        mixed = vectors[pick[:, 0]] + 0.6 * vectors[pick[:, 1]]
        new_vectors.append(mixed / np.linalg.norm(mixed, axis=1, keepdims=True))
    return KnowledgeBase(entries), np.vstack(new_vectors).astype(vectors.dtype)


@dataclass
class Measured:
    name: str
    entries: int
    documents: int
    index_mb: float
    encode_s: float | None
    search_ms: list[float]
    consult_ms: list[float]
    hits: dict[str, tuple[int, int, int]]  # part → (hit@1, hit@3, labelled)


def _percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else (values[0] if values else 0.0)


def measure(
    name: str,
    build: Callable[[], tuple[KnowledgeBase, np.ndarray]],
    encoder: Encoder,
    articles: ArticleRetriever,
    labelled: list[tuple[AnswerLabel, str, np.ndarray]],
    repeat: int,
    score_hits: bool,
) -> Measured:
    before = resident_mb()
    started = time.perf_counter()
    kb, matrix = build()
    encode_s = time.perf_counter() - started
    retriever = Retriever(kb, encoder, matrix, RetrievalConfig.load())
    consultant = Consultant(kb, retriever, load_service_guide(), articles, load_verdict_model(), load_cues())
    index_mb = resident_mb() - before
    search_ms, consult_ms = [], []
    hits = {"blind": [0, 0, 0], "tune": [0, 0, 0]}
    for label, text, vector in labelled:
        for _ in range(repeat):
            t0 = time.perf_counter()
            result = consultant.search(text, None, 0.0, vector)
            search_ms.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            consultant.consult(text, vector=vector)
            consult_ms.append((time.perf_counter() - t0) * 1000)
        if score_hits and label.entries:
            ranked = [hit.entry_id for hit in result.hits]
            tally = hits[label.part]
            tally[0] += ranked[:1] != [] and ranked[0] in label.entries
            tally[1] += bool(set(ranked[:3]) & set(label.entries))
            tally[2] += 1
    return Measured(
        name,
        len(kb),
        len(documents_of(kb)),
        index_mb,
        encode_s if score_hits else None,
        search_ms,
        consult_ms,
        {part: (t[0], t[1], t[2]) for part, t in hits.items()} if score_hits else {},
    )


def report(rows: list[Measured]) -> None:
    print(
        f"{'knowledge base':<26}{'entries':>8}{'docs':>8}{'index MB':>10}{'index s':>10}"
        f"{'search p50/p95 ms':>20}{'consult p50/p95 ms':>21}"
    )
    for row in rows:
        encode = f"{row.encode_s:.1f}" if row.encode_s is not None else "mixed"
        search = f"{_percentile(row.search_ms, 50):.1f} / {_percentile(row.search_ms, 95):.1f}"
        consult = f"{_percentile(row.consult_ms, 50):.1f} / {_percentile(row.consult_ms, 95):.1f}"
        print(
            f"{row.name:<26}{row.entries:>8}{row.documents:>8}{row.index_mb:>10.0f}{encode:>10}{search:>20}{consult:>21}"
        )
    print(
        "\nretrieval hit@1 / hit@3 on questions labelled with an answering entry (labels name the entries of their time)"
    )
    for row in rows:
        if row.hits:
            parts = "   ".join(
                f"{part}: {h1}/{n} ({h1 / n:.0%}) · {h3}/{n} ({h3 / n:.0%})"
                for part, (h1, h3, n) in row.hits.items()
                if n
            )
            print(f"  {row.name:<24}{parts}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default=BEFORE_GROWTH, help="revision of the knowledge base before the growth")
    parser.add_argument("--synthetic", type=int, default=20_000, help="entries in the synthetic base")
    parser.add_argument("--repeat", type=int, default=2, help="timings per question")
    args = parser.parse_args()
    config = RetrievalConfig.load()
    encoder = create_encoder(config.model, config.trust_remote_code)
    today = KnowledgeBase.load()
    texts = load_questions()
    labelled_labels = [label for label in load_labels(today) if label.id in texts]
    query_vectors = encoder.encode_queries([texts[label.id] for label in labelled_labels])
    labelled = [(label, texts[label.id], query_vectors[i]) for i, label in enumerate(labelled_labels)]
    index_home = get_settings().index_dir
    articles = ArticleRetriever.create(StatuteLibrary.load(), index_home / "articles", encoder)
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        before = entries_at(args.base, Path(scratch))
        # Today's index is the one `make build` keeps; the earlier base is encoded here.
        bases = ((f"before growth ({args.base})", before, Path(scratch) / "before"), ("today", today, index_home))
        for name, kb, index_dir in bases:

            def build(kb: KnowledgeBase = kb, index_dir: Path = index_dir) -> tuple[KnowledgeBase, np.ndarray]:
                return kb, load_or_build(index_dir, kb, encoder)

            rows.append(measure(name, build, encoder, articles, labelled, args.repeat, score_hits=True))
        if args.synthetic > len(today):

            def grown() -> tuple[KnowledgeBase, np.ndarray]:
                return synthetic(today, load_or_build(index_home, today, encoder), args.synthetic)

            name = f"synthetic {args.synthetic:,}"
            rows.append(measure(name, grown, encoder, articles, labelled, args.repeat, score_hits=False))
    print(f"{len(labelled)} labelled questions, {args.repeat} timing(s) each, encoder {encoder.name}\n")
    report(rows)


if __name__ == "__main__":
    main()
