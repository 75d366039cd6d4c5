"""The question inside a resident's story: the clause that asks, with just enough context.

Residents tell what happened first and ask last, often in one run of commas: 我和他结婚五年，
他一直不给家里钱，现在我想离婚，孩子能归我吗. The asking clause alone (孩子能归我吗) loses the
point's subject, so the preceding clause is kept while the question is short.
"""

from __future__ import annotations

import re

_CLAUSES = re.compile(r"[^，,。！!？?；;：:\n…~～]+[，,。！!？?；;：:\n…~～]*")
_ASKING = re.compile(
    r"[?？]|吗|呢|么|怎么|怎样|咋|如何|能不能|能否|可不可以|可以不|可否|是否|有没有|会不会|要不要|该不该|算不算"
    r"|是不是|多少|多久|多长|几年|几天|哪些|哪里|哪个|什么|啥|谁|为什么|为啥|何时|办法"
)
# A question shorter than this (in characters) borrows the clause before it.
MIN_QUESTION_CHARS = 12


def clauses(text: str) -> list[str]:
    return [c.strip() for c in _CLAUSES.findall(text) if c.strip(" ，,。！!？?；;：:\n…~～")]


def asking_clauses(text: str) -> list[str]:
    """Each question the message asks, in order, each widened backwards to MIN_QUESTION_CHARS."""
    parts = clauses(text)
    found: list[str] = []
    taken = -1  # clauses already part of an earlier question
    for end, clause in enumerate(parts):
        if not _ASKING.search(clause):
            continue
        start = end
        while start > taken + 1 and len("".join(parts[start : end + 1])) < MIN_QUESTION_CHARS:
            start -= 1
        found.append("".join(parts[start : end + 1]).strip())
        taken = end
    return found


def question_part(text: str) -> str:
    """The last asking clause (the main question), or the whole text if none asks."""
    found = asking_clauses(text)
    return found[-1] if found else text.strip()
