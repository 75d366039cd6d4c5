"""Article-level retrieval over every shipped statute text still in force.

When no knowledge-base entry answers a resident's point, the assistant still gives what is
certain: the one or two articles closest to the question, quoted. Articles are embedded once
(passage side of the same encoder as the entries) and kept in var/index/articles/ with a
manifest; the question's vector is the one the entry retriever already computed.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from knowledge.retrieval.encoder import Encoder
from knowledge.retrieval.index import manifest_matches
from knowledge.retrieval.lexical import BM25
from knowledge.retrieval.retriever import ranks
from knowledge.retrieval.text import lexical_tokens
from knowledge.statutes import Article, StatuteLibrary

logger = logging.getLogger(__name__)

# Passages past this many characters add little to an article's meaning and cost encoding time.
PASSAGE_CHARS = 300


@dataclass(frozen=True)
class ArticleHit:
    article: Article
    score: float


def _corpus_hash(articles: list[Article]) -> str:
    digest = hashlib.sha256()
    for article in articles:
        digest.update(f"{article.label}\n{article.text[:PASSAGE_CHARS]}\n".encode())
    return digest.hexdigest()


def _manifest(articles: list[Article], encoder_name: str) -> dict[str, str]:
    return {"encoder": encoder_name, "corpus_sha256": _corpus_hash(articles)}


def articles_current(directory: Path, articles: list[Article], encoder_name: str) -> bool:
    return manifest_matches(directory, _manifest(articles, encoder_name))


def load_or_build_article_vectors(directory: Path, articles: list[Article], encoder: Encoder) -> np.ndarray:
    vectors_path = directory / "embeddings.npy"
    if articles_current(directory, articles, encoder.name):
        stored: np.ndarray = np.load(vectors_path, allow_pickle=False)
        return stored
    logger.info("embedding %d statute articles with %s", len(articles), encoder.name)
    vectors = encoder.encode_passages([f"{a.law}{a.number}：{a.text[:PASSAGE_CHARS]}" for a in articles])
    directory.mkdir(parents=True, exist_ok=True)
    np.save(vectors_path, vectors, allow_pickle=False)
    manifest = {**_manifest(articles, encoder.name), "articles": len(articles)}
    (directory / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return vectors


class ArticleRetriever:
    def __init__(self, articles: list[Article], vectors: np.ndarray, rrf_k: int = 60, lexical_weight: float = 0.5):
        if len(articles) != len(vectors):
            raise ValueError("article index does not match the statute texts: rebuild it")
        self._articles, self._vectors = articles, vectors
        self._laws = np.array([a.law for a in articles])
        self._labels = np.array([a.label for a in articles])
        self._bm25 = BM25([lexical_tokens(a.text) for a in articles])
        self._rrf_k, self._lexical_weight = rrf_k, lexical_weight

    @classmethod
    def create(cls, library: StatuteLibrary, directory: Path, encoder: Encoder) -> ArticleRetriever:
        articles = library.current_articles()
        return cls(articles, load_or_build_article_vectors(directory, articles, encoder))

    def __len__(self) -> int:
        return len(self._articles)

    def search(
        self,
        query: str,
        vector: np.ndarray,
        laws: set[str] | None = None,
        limit: int = 2,
        only: set[str] | None = None,
    ) -> list[ArticleHit]:
        """The articles closest to the question, among `laws` and the `only` labels when given."""
        dense = self._vectors @ vector
        lexical = self._bm25.scores(lexical_tokens(query))
        fused = 1.0 / (self._rrf_k + ranks(dense))
        fused += np.where(lexical > 0, self._lexical_weight / (self._rrf_k + ranks(lexical)), 0.0)
        if only:
            fused = np.where(np.isin(self._labels, list(only)), fused, -np.inf)
        if laws:
            fused = np.where(np.isin(self._laws, list(laws)), fused, -np.inf)
        order = np.argsort(-fused, kind="stable")[:limit]
        return [ArticleHit(self._articles[i], float(fused[i])) for i in order if np.isfinite(fused[i])]
