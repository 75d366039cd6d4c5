"""Does an entry answer the resident's point? A small logistic model over retrieval features decides.

Retrieval ranks neighbours; it cannot tell a neighbour from an answer. For each of the top
candidates the model sees how close it is in meaning (dense cosine, and its lead over the other
candidates), how many of the question's own terms it shares (BM25 over the whole message and
over the asking clause, key-term coverage), and whether it sits in the area the NLU recognised.
It was fitted on the tuning part of eval/answer_labels.jsonl by `make train-verdict`
(scripts/train_verdict.py); its weights and thresholds live in data/verdict.yml.

The verdict: answer when the best candidate is likely enough to answer; when one to three are
plausible but not that likely, ask whether the resident means it ("您是想问……吗？") or which of
them; otherwise defer honestly.
"""

from __future__ import annotations

import copy
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from knowledge.datafile import DATA_DIR, load_yaml_model
from knowledge.entries import Entry, KnowledgeBase
from knowledge.matching import fold
from knowledge.retrieval.retriever import RetrievalResult, Retriever
from knowledge.retrieval.text import content_terms

VERDICT_FILE = DATA_DIR / "verdict.yml"

FEATURES: tuple[str, ...] = (
    "dense",  # cosine between the message and the candidate's closest document
    "dense_lead",  # its cosine minus the best other candidate's
    "rank",  # 1 / position in the fused ranking
    "lexical",  # log(1 + BM25) of the whole message
    "lexical_question",  # log(1 + BM25) of the asking clause alone
    "coverage",  # share of the message's key terms found in the candidate
    "coverage_question",  # share of the asking clause's key terms found in the candidate
    "area_match",  # the NLU's area confidence when the candidate is in that area, else 0
    "question_terms",  # best share (IDF-weighted) of one of the entry's phrasings' terms found in the message
    "question_bigrams",  # best share of one of the entry's phrasings' character pairs found in the message
)

VerdictKind = Literal["answer", "clarify", "defer"]


@dataclass(frozen=True)
class Candidate:
    entry_id: str
    features: tuple[float, ...]
    probability: float = 0.0


@dataclass(frozen=True)
class Verdict:
    kind: VerdictKind
    candidates: list[Candidate]  # by probability, best first; for `clarify`, the ones to offer

    @property
    def entry_ids(self) -> list[str]:
        return [c.entry_id for c in self.candidates]


class VerdictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    features: list[str]
    mean: list[float]
    scale: list[float]
    weights: list[float]
    bias: float
    answer_at: float = Field(gt=0, lt=1)  # answer when the best candidate's probability reaches this
    clarify_at: float = Field(gt=0, lt=1)  # below answer_at, offer the candidates reaching this to pick from
    clarify_max: int = Field(ge=2, le=3)
    fitted_on: str  # what the weights were fitted on, for the reader

    @model_validator(mode="after")
    def _consistent(self) -> VerdictModel:
        if tuple(self.features) != FEATURES:
            raise ValueError(f"verdict.yml was fitted on features {self.features}, the code computes {FEATURES}")
        if not len(self.mean) == len(self.scale) == len(self.weights) == len(FEATURES):
            raise ValueError("verdict.yml: mean, scale and weights need one number per feature")
        if any(s <= 0 for s in self.scale):
            raise ValueError("verdict.yml: every scale must be positive")
        if self.clarify_at > self.answer_at:
            raise ValueError("verdict.yml: clarify_at cannot be above answer_at")
        return self

    @classmethod
    def load(cls, path: Path = VERDICT_FILE) -> VerdictModel:
        return load_yaml_model(cls, path)

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        z = (rows - np.asarray(self.mean)) / np.asarray(self.scale)
        probabilities: np.ndarray = 1.0 / (1.0 + np.exp(-(z @ np.asarray(self.weights) + self.bias)))
        return probabilities

    def decide(self, candidates: list[Candidate]) -> Verdict:
        if not candidates:
            return Verdict("defer", [])
        scored = self.probabilities(np.array([c.features for c in candidates]))
        ranked = sorted(
            (Candidate(c.entry_id, c.features, float(p)) for c, p in zip(candidates, scored, strict=True)),
            key=lambda c: -c.probability,
        )
        if ranked[0].probability >= self.answer_at:
            return Verdict("answer", ranked)
        plausible = [c for c in ranked if c.probability >= self.clarify_at][: self.clarify_max]
        if plausible:  # one: "is this what you mean?"; two or three: "which one?"
            return Verdict("clarify", plausible)
        return Verdict("defer", ranked)


def load_verdict_model() -> VerdictModel:
    return VerdictModel.load()


class CandidateFeatures:
    """Computes FEATURES for a retrieval result's candidates; entry terms are gathered once.

    Entries added or removed later (`adding`, `removing`) have their own terms read, and the
    phrasings' term weights recounted over the entries there are then: as if built with them."""

    def __init__(self, kb: KnowledgeBase, retriever: Retriever):
        self.retriever = retriever
        self._terms: dict[str, set[str]] = {}
        self._areas: dict[str, str] = {}
        # Each phrasing of each entry: its key terms and character pairs. A phrasing names the
        # entry's point; how much of it the resident's message contains says whether they ask it.
        self._phrasings: dict[str, list[tuple[frozenset[str], frozenset[str]]]] = {}
        for entry in kb.entries:
            self._read(entry)
        self._idf = self._phrasing_idf()

    def _read(self, entry: Entry) -> None:
        self._terms[entry.id] = set(content_terms(" ".join([entry.sub_area, *entry.questions, entry.answer])))
        self._areas[entry.id] = entry.area
        self._phrasings[entry.id] = [(frozenset(content_terms(q)), _bigrams(q)) for q in entry.questions]

    def _phrasing_idf(self) -> dict[str, float]:
        frequency = Counter(
            t for phrasings in self._phrasings.values() for t in set().union(*(p[0] for p in phrasings))
        )
        return {term: math.log(len(self._phrasings) / count) for term, count in frequency.items()}

    def _copy(self, retriever: Retriever) -> CandidateFeatures:
        other = copy.copy(self)
        other.retriever = retriever
        other._terms, other._areas, other._phrasings = dict(self._terms), dict(self._areas), dict(self._phrasings)
        return other

    def adding(self, entries: list[Entry], retriever: Retriever) -> CandidateFeatures:
        """These features with `entries` too, over `retriever` (which has them); a new object."""
        grown = self._copy(retriever)
        for entry in entries:
            grown._read(entry)
        grown._idf = grown._phrasing_idf()
        return grown

    def removing(self, entry_ids: set[str], retriever: Retriever) -> CandidateFeatures:
        """These features without the entries of `entry_ids`, over `retriever`; a new object."""
        smaller = self._copy(retriever)
        for entry_id in entry_ids:
            for stats in (smaller._terms, smaller._areas, smaller._phrasings):
                stats.pop(entry_id, None)
        smaller._idf = smaller._phrasing_idf()
        return smaller

    def __call__(
        self, message: str, question: str, result: RetrievalResult, area: str | None, area_confidence: float
    ) -> list[Candidate]:
        hits = result.hits
        if not hits:
            return []
        terms, question_terms = set(content_terms(message)), set(content_terms(question))
        pairs = _bigrams(message)
        lexical_question = self.retriever.lexical_scores(question)
        candidates = []
        for position, hit in enumerate(hits):
            others = [h.dense for h in hits if h is not hit]
            entry_terms = self._terms[hit.entry_id]
            phrasings = self._phrasings[hit.entry_id]
            features = (
                hit.dense,
                hit.dense - (max(others) if others else 0.0),
                1.0 / (position + 1),
                math.log1p(hit.lexical),
                math.log1p(float(lexical_question[self.retriever.position(hit.entry_id)])),
                _share(terms, entry_terms),
                _share(question_terms, entry_terms),
                area_confidence if area and self._areas[hit.entry_id] == area else 0.0,
                max(self._weighted_share(phrasing, terms) for phrasing, _ in phrasings),
                max(_share(phrasing_pairs, pairs) for _, phrasing_pairs in phrasings),
            )
            candidates.append(Candidate(hit.entry_id, features))
        return candidates

    def phrasing_match(self, entry_id: str, text: str) -> float:
        """How much of one of the entry's phrasings `text` contains (IDF-weighted key terms)."""
        terms = set(content_terms(text))
        return max(self._weighted_share(phrasing, terms) for phrasing, _ in self._phrasings[entry_id])

    def _weighted_share(self, phrasing: frozenset[str], found_in: set[str]) -> float:
        total = sum(self._idf.get(t, 0.0) for t in phrasing)
        return sum(self._idf.get(t, 0.0) for t in phrasing & found_in) / total if total else 0.0


_NOT_TEXT = re.compile(r"[\W_]+")


def _bigrams(text: str) -> frozenset[str]:
    chars = _NOT_TEXT.sub("", fold(text))
    return frozenset(chars[i : i + 2] for i in range(len(chars) - 1))


def _share(terms: set[str] | frozenset[str], found_in: set[str] | frozenset[str]) -> float:
    """The share of `terms` that occur in `found_in`."""
    return len(terms & found_in) / len(terms) if terms else 0.0
