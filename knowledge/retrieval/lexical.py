"""Okapi BM25 over short documents (question phrasings and answers), with an inverted index."""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import numpy as np


class BM25:
    def __init__(self, documents: list[list[str]], k1: float = 1.2, b: float = 0.75):
        self._size = len(documents)
        lengths = np.array([len(doc) for doc in documents], dtype=np.float32)
        average = float(lengths.mean()) if documents else 1.0
        norm = k1 * (1 - b + b * lengths / max(average, 1e-9))
        postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for index, doc in enumerate(documents):
            for term, count in Counter(doc).items():
                postings[term].append((index, count))
        # Per term: the documents it occurs in and its precomputed BM25 weight in each.
        self._postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for term, entries in postings.items():
            docs = np.array([i for i, _ in entries], dtype=np.int64)
            tf = np.array([c for _, c in entries], dtype=np.float32)
            idf = math.log(1 + (self._size - len(entries) + 0.5) / (len(entries) + 0.5))
            self._postings[term] = (docs, idf * tf * (k1 + 1) / (tf + norm[docs]))

    def scores(self, query: list[str]) -> np.ndarray:
        scores = np.zeros(self._size, dtype=np.float32)
        for term in set(query):
            posting = self._postings.get(term)
            if posting is not None:
                np.add.at(scores, posting[0], posting[1])
        return scores
