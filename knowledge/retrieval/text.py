"""Text normalization and tokens for lexical matching."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import jieba

_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


def normalize(text: str) -> str:
    """NFKC folds full-width letters and digits to half-width; lower-case; collapse spaces."""
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


@cache
def _tokenizer() -> jieba.Tokenizer:
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def lexical_tokens(text: str) -> list[str]:
    """jieba words plus character bigrams: words match terms, bigrams survive typos and odd splits."""
    clean = _PUNCT.sub(" ", normalize(text)).strip()
    words = [w for w in _tokenizer().lcut(clean) if w.strip()]
    chars = clean.replace(" ", "")
    bigrams = [chars[i : i + 2] for i in range(len(chars) - 1)]
    return words + bigrams
