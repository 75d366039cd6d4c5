"""A sentence-transformers StaticEmbedding that segments Chinese with jieba before looking words up.

Chinese has no spaces, so a static (bag-of-words) model needs a segmenter. jieba picks the most
probable split over its dictionary, which is also where the model's vocabulary comes from, so
the words it produces are the words that have vectors. A word without a vector falls back to its
characters (every common character has one); anything still unknown is dropped rather than
mapped to an [UNK] vector that would pull every sentence toward the same point.

The model directory holds `tokenizer.json` (a WordLevel vocabulary: word → row), the weights
and `segmenter.txt` (words jieba must know beyond its bundled dictionary, with frequencies). It
loads offline with `knowledge.retrieval.static_model.load_model(path)`, or `SentenceTransformer(path,
trust_remote_code=True)`: sentence-transformers asks for that flag for any module class outside
its own package, and this one is the project's.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Self

import jieba
import numpy as np
import torch
from sentence_transformers.sentence_transformer.modules import StaticEmbedding
from tokenizers import Tokenizer, models

from knowledge.matching import fold

UNKNOWN = "[UNK]"
SEGMENTER_FILE = "segmenter.txt"


def word_level_tokenizer(words: list[str]) -> Tokenizer:
    """A vocabulary-only tokenizer: row i of the embedding matrix is words[i - 1]; row 0 is unknown."""
    vocab = {UNKNOWN: 0, **{word: i for i, word in enumerate(words, start=1)}}
    if len(vocab) != len(words) + 1:
        raise ValueError("the vocabulary has duplicate words")
    return Tokenizer(models.WordLevel(vocab=vocab, unk_token=UNKNOWN))


def bag_features(rows: list[list[int]]) -> dict[str, torch.Tensor]:
    """EmbeddingBag input: all token ids in one flat tensor, and where each text's ids start."""
    offsets = torch.from_numpy(np.cumsum([0] + [len(row) for row in rows[:-1]]))
    input_ids = torch.tensor([i for row in rows for i in row], dtype=torch.long)
    return {"input_ids": input_ids, "offsets": offsets}


class JiebaStaticEmbedding(StaticEmbedding):
    def __init__(
        self,
        tokenizer: Tokenizer,
        embedding_weights: np.ndarray | torch.Tensor | None = None,
        embedding_dim: int | None = None,
        user_words: dict[str, int] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(tokenizer, embedding_weights=embedding_weights, embedding_dim=embedding_dim, **kwargs)
        self.user_words = dict(user_words or {})
        self._vocab: dict[str, int] = tokenizer.get_vocab()
        self._segmenter: jieba.Tokenizer | None = None

    @property
    def segmenter(self) -> jieba.Tokenizer:
        # Built on first use: jieba reads its 5 MB dictionary (cached after the first run).
        if self._segmenter is None:
            segmenter = jieba.Tokenizer()
            segmenter.initialize()
            for word, freq in self.user_words.items():
                segmenter.add_word(word, freq)
            self._segmenter = segmenter
        return self._segmenter

    def token_ids(self, text: str) -> list[int]:
        ids: list[int] = []
        # No HMM: words it would invent have no vector anyway and fall back to characters.
        for word in self.segmenter.cut(fold(text), HMM=False):
            row = self._vocab.get(word)
            if row is not None:
                ids.append(row)
            else:
                ids.extend(self._vocab[char] for char in word if char in self._vocab)
        return ids

    def tokens(self, text: str) -> list[str]:
        """The vocabulary words a text is read as (for inspection and tests)."""
        words = {row: word for word, row in self._vocab.items()}
        return [words[row] for row in self.token_ids(text)]

    def preprocess(self, inputs: Sequence[Any], prompt: str | None = None, **kwargs: Any) -> dict[str, torch.Tensor]:
        texts = [f"{prompt or ''}{text}" for text in inputs]
        return bag_features([self.token_ids(text) for text in texts])

    def save(self, output_path: str, *args: Any, safe_serialization: bool = True, **kwargs: Any) -> None:
        super().save(output_path, *args, safe_serialization=safe_serialization, **kwargs)
        lines = [f"{word} {freq}" for word, freq in sorted(self.user_words.items())]
        (Path(output_path) / SEGMENTER_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")

    @classmethod
    def load(
        cls,
        model_name_or_path: str,
        subfolder: str = "",
        token: bool | str | None = None,
        cache_folder: str | None = None,
        revision: str | None = None,
        local_files_only: bool = False,
        init_defaults: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Self:
        hub_kwargs: dict[str, Any] = {
            "subfolder": subfolder,
            "token": token,
            "cache_folder": cache_folder,
            "revision": revision,
            "local_files_only": local_files_only,
        }
        tokenizer_path = cls.load_file_path(model_name_or_path, filename="tokenizer.json", **hub_kwargs)
        segmenter_path = cls.load_file_path(model_name_or_path, filename=SEGMENTER_FILE, **hub_kwargs)
        if tokenizer_path is None or segmenter_path is None:
            raise FileNotFoundError(f"{model_name_or_path}: tokenizer.json or {SEGMENTER_FILE} is missing")
        user_words: dict[str, int] = {}
        for line in Path(segmenter_path).read_text(encoding="utf-8").splitlines():
            if line.strip():
                word, freq = line.rsplit(" ", 1)
                user_words[word] = int(freq)
        weights = cls.load_torch_weights(model_name_or_path=model_name_or_path, **hub_kwargs)
        return cls(
            Tokenizer.from_file(tokenizer_path), embedding_weights=weights["embedding.weight"], user_words=user_words
        )
