"""Text normalization and tokens for lexical matching."""

from __future__ import annotations

import re
from functools import cache

import jieba

from knowledge.matching import fold

_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


@cache
def _tokenizer() -> jieba.Tokenizer:
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def lexical_tokens(text: str) -> list[str]:
    """jieba words plus character bigrams: words match terms, bigrams survive typos and odd splits."""
    clean = _PUNCT.sub(" ", fold(text)).strip()
    words = [w for w in _tokenizer().lcut(clean) if w.strip()]
    chars = clean.replace(" ", "")
    bigrams = [chars[i : i + 2] for i in range(len(chars) - 1)]
    return words + bigrams


# Words that carry no legal point: who is speaking, how they ask, and filler.
_NOT_KEY = frozenset(
    [
        "我们",
        "你们",
        "他们",
        "她们",
        "自己",
        "对方",
        "现在",
        "已经",
        "还是",
        "就是",
        "但是",
        "因为",
        "所以",
        "如果",
        "可以",
        "能不能",
        "可不可以",
        "怎么",
        "怎么办",
        "怎样",
        "如何",
        "什么",
        "为什么",
        "是不是",
        "有没有",
        "需要",
        "应该",
        "请问",
        "你好",
        "您好",
        "律师",
        "一个",
        "这个",
        "那个",
        "这样",
        "那样",
        "还有",
        "没有",
        "知道",
        "问题",
        "情况",
        "时候",
        "一下",
        "的话",
        "吗",
        "呢",
        "了",
        "的",
        "是",
        "在",
        "有",
        "和",
        "也",
        "都",
        "就",
        "要",
        "会",
        "能",
        "让",
        "给",
        "被",
        "把",
        "又",
        "去",
        "说",
    ]
)


def content_terms(text: str) -> list[str]:
    """The words of a message that could carry its legal point (two characters or more)."""
    clean = _PUNCT.sub(" ", fold(text)).strip()
    return [w for w in _tokenizer().lcut(clean) if len(w) >= 2 and w not in _NOT_KEY and not w.isdigit()]
