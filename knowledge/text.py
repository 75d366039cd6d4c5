"""The one folding of residents' text for matching: what they type, in the form our data is written in.

Full-width → half-width (NFKC), traditional → simplified (OpenCC, the converter the NLU's
normalizer uses), lower-case, whitespace collapsed. Matching code (cues, retrieval, the
notarization catalogue) compares folded text with folded data.
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
