"""Okapi BM25 over short documents (question phrasings and answers)."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np


class BM25:
    def __init__(self, documents: list[list[str]], k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        self._tf = [Counter(doc) for doc in documents]
        self._lengths = np.array([len(doc) for doc in documents], dtype=np.float32)
        self._avg_length = float(self._lengths.mean()) if documents else 0.0
        frequency: Counter[str] = Counter()
        for tf in self._tf:
            frequency.update(tf.keys())
        n = len(documents)
        self._idf = {term: math.log(1 + (n - df + 0.5) / (df + 0.5)) for term, df in frequency.items()}

    def scores(self, query: list[str]) -> np.ndarray:
        scores = np.zeros(len(self._tf), dtype=np.float32)
        norm = self.k1 * (1 - self.b + self.b * self._lengths / max(self._avg_length, 1e-9))
        for term in set(query):
            idf = self._idf.get(term)
            if idf is None:
                continue
            tf = np.array([doc.get(term, 0) for doc in self._tf], dtype=np.float32)
            scores += idf * tf * (self.k1 + 1) / (tf + norm)
        return scores
