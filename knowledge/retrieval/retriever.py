"""Hybrid retriever: dense cosine and BM25 ranks fused per entry; a threshold gives the verdict.

Entries can be added and removed while the assistant runs (the office's own entries, approved in
the console): `adding` encodes only the new entries' documents, `removing` encodes nothing. Both
return a new retriever, so a consultation under way keeps reading the one it started with.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from knowledge.datafile import DATA_DIR, load_yaml_model
from knowledge.entries import Entry, KnowledgeBase
from knowledge.retrieval.encoder import Encoder, create_encoder
from knowledge.retrieval.index import documents_of, embed, load_or_build
from knowledge.retrieval.lexical import BM25
from knowledge.retrieval.text import lexical_tokens

RETRIEVAL_FILE = DATA_DIR / "retrieval.yml"


class RetrievalConfig(BaseModel):
    model: str
    trust_remote_code: bool = False
    rrf_k: int = Field(gt=0)
    dense_weight: float = Field(default=1.0, ge=0)
    lexical_weight: float = Field(default=1.0, ge=0)
    # Entries in the consultation area the NLU recognised get this extra rank vote.
    area_weight: float = Field(default=0.0, ge=0)
    min_area_confidence: float = Field(default=0.5, ge=0, le=1)
    top_k: int = Field(ge=1, le=20)
    min_dense_score: float = Field(gt=0, lt=1)
    min_lexical_score: float = Field(ge=0)

    @classmethod
    def load(cls, path: Path = RETRIEVAL_FILE) -> RetrievalConfig:
        return load_yaml_model(cls, path)


@dataclass(frozen=True)
class Hit:
    entry_id: str
    score: float  # fused reciprocal-rank score
    dense: float  # best cosine similarity between the question and one of the entry's documents
    lexical: float  # best BM25 score


@dataclass(frozen=True)
class RetrievalResult:
    hits: list[Hit]
    confident: bool

    @property
    def best(self) -> Hit | None:
        return self.hits[0] if self.hits else None


def ranks(scores: np.ndarray) -> np.ndarray:
    """1 for the highest score, 2 for the next, ... (ties in index order)."""
    order = np.argsort(-scores, kind="stable")
    ranks = np.empty(len(scores), dtype=np.float64)
    ranks[order] = np.arange(1, len(scores) + 1)
    return ranks


class Retriever:
    def __init__(
        self,
        kb: KnowledgeBase,
        encoder: Encoder,
        vectors: np.ndarray,
        config: RetrievalConfig,
        *,
        tokens: list[list[str]] | None = None,
    ):
        """`tokens`: the lexical tokens of documents_of(kb), when they are known already."""
        self.kb, self.encoder, self.config = kb, encoder, config
        docs = documents_of(kb)
        if len(docs) != len(vectors):
            raise ValueError("index does not match the knowledge base: rebuild it")
        self._vectors = vectors
        self._tokens = tokens if tokens is not None else [lexical_tokens(d.text) for d in docs]
        if len(self._tokens) != len(docs):
            raise ValueError("tokens do not match the knowledge base's documents")
        # Every term's weight depends on the whole corpus, so the lexical index is built anew
        # (from tokens, without tokenizing again) whenever entries come or go.
        self._bm25 = BM25(self._tokens)
        self._entry_ids = [entry.id for entry in kb.entries]
        self._entry_areas = np.array([entry.area for entry in kb.entries])
        self._position = {entry_id: i for i, entry_id in enumerate(self._entry_ids)}
        self._doc_entry = np.array([self._position[d.entry_id] for d in docs])

    @classmethod
    def create(cls, kb: KnowledgeBase, index_dir: Path, config: RetrievalConfig | None = None) -> Retriever:
        config = config or RetrievalConfig.load()
        encoder = create_encoder(config.model, config.trust_remote_code)
        return cls(kb, encoder, load_or_build(index_dir, kb, encoder), config)

    def adding(self, entries: list[Entry]) -> Retriever:
        """This retriever with `entries` too; only their documents are encoded and tokenized."""
        docs = documents_of(KnowledgeBase(entries))
        if not docs:
            return self
        vectors = np.concatenate([self._vectors, embed(self.encoder, docs).astype(self._vectors.dtype)])
        tokens = [*self._tokens, *(lexical_tokens(d.text) for d in docs)]
        grown = KnowledgeBase([*self.kb.entries, *entries])  # refuses an id the retriever has already
        return Retriever(grown, self.encoder, vectors, self.config, tokens=tokens)

    def removing(self, entry_ids: set[str]) -> Retriever:
        """This retriever without the entries of `entry_ids`; nothing is encoded."""
        kept = np.array([self._entry_ids[i] not in entry_ids for i in self._doc_entry], dtype=bool)
        if kept.all():
            return self
        tokens = [t for t, keep in zip(self._tokens, kept, strict=True) if keep]
        smaller = KnowledgeBase([e for e in self.kb.entries if e.id not in entry_ids])
        return Retriever(smaller, self.encoder, self._vectors[kept], self.config, tokens=tokens)

    def _per_entry_max(self, doc_scores: np.ndarray) -> np.ndarray:
        best = np.full(len(self._entry_ids), -np.inf, dtype=np.float64)
        np.maximum.at(best, self._doc_entry, doc_scores)
        return best

    def encode(self, query: str) -> np.ndarray:
        """The question's vector: computed once a turn and shared with the article retriever."""
        vector: np.ndarray = self.encoder.encode_queries([query])[0]
        return vector

    @property
    def dimension(self) -> int:
        return int(self._vectors.shape[1])

    def lexical_scores(self, text: str) -> np.ndarray:
        """Best BM25 score of each entry's documents for `text` (the question clause alone, say)."""
        return self._per_entry_max(self._bm25.scores(lexical_tokens(text)))

    def position(self, entry_id: str) -> int:
        return self._position[entry_id]

    def search(
        self,
        query: str,
        top_k: int | None = None,
        area: str | None = None,
        area_confidence: float = 0.0,
        vector: np.ndarray | None = None,
    ) -> RetrievalResult:
        """Rank entries for a question; `area` is the NLU's consultation area, if it has one."""
        top_k = top_k or self.config.top_k
        if not query.strip():
            return RetrievalResult([], confident=False)
        q = self.encode(query) if vector is None else vector
        # Vectors are normalized: the dot product is the cosine similarity.
        dense = self._per_entry_max(self._vectors @ q)
        lexical = self.lexical_scores(query)
        fused = self.config.dense_weight / (self.config.rrf_k + ranks(dense))
        # An entry that shares no term with the question gets no lexical vote.
        fused += np.where(lexical > 0, self.config.lexical_weight / (self.config.rrf_k + ranks(lexical)), 0.0)
        if area and area_confidence >= self.config.min_area_confidence:
            fused += np.where(self._entry_areas == area, self.config.area_weight / (self.config.rrf_k + 1), 0.0)
        order = np.argsort(-fused, kind="stable")[:top_k]
        hits = [Hit(self._entry_ids[i], float(fused[i]), float(dense[i]), float(lexical[i])) for i in order]
        confident = (
            bool(hits)
            and hits[0].dense >= self.config.min_dense_score
            and hits[0].lexical >= self.config.min_lexical_score
        )
        return RetrievalResult(hits, confident)
