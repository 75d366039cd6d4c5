"""The one folding of residents' text for matching: what they type, in the form our data is written in.

Full-width → half-width (NFKC), traditional → simplified (OpenCC, the converter the NLU's
normalizer uses), lower-case, whitespace collapsed. Every matcher in `knowledge/` compares folded
text with data that folding leaves unchanged (a test holds the data files to that).

Two variants, because the matchers differ in one respect that changes answers:
- `compact` drops every space: cues, legal-aid keywords and mediation keywords must not care
  where a resident broke a line or put a space (法律 援助 is still 法律援助).
- `fold` keeps one space between words: the notarization catalogue counts the characters each
  alias covers and has always kept a space as a boundary (放弃 继承 is 继承, not 放弃继承), and
  the retriever's tokenizer and the verdict's character features split on it.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from typing import Any


@cache
def _t2s() -> Any:
    import opencc  # pure Python, dictionaries bundled; loaded on first use, not at import

    return opencc.OpenCC("t2s")


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return " ".join(_t2s().convert(text).lower().split())


def compact(text: str) -> str:
    """fold() without any spaces: for patterns that must not care where a resident broke a line."""
    return fold(text).replace(" ", "")
