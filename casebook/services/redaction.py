"""Mask personal identifiers (phone and ID-card numbers) before text reaches logs, notes or staff
who may not see them.

Residents write numbers every which way: `138 0013 8000`, `138-0013-8000`, `+86 138…`,
`8613800138000`, full-width digits, `110101 19900307 123X`, 15-digit IDs of the old kind. So a
number is found as a run of digits with single separators between them, read without the
separators, and classified; only what is a phone or ID number is masked, so amounts, dates and
years stay as they were.
"""

from __future__ import annotations

import re

# Full-width digits, letters X, plus, hyphen and space → ASCII, one character for one, so that
# positions in the folded copy are positions in the original.
_FOLD = str.maketrans(
    {
        **{chr(0xFF10 + i): str(i) for i in range(10)},
        "Ｘ": "X",
        "ｘ": "x",
        "＋": "+",
        "－": "-",
        "\u3000": " ",
        "\u2010": "-",
        "\u2011": "-",
        "\u2013": "-",
        "\u2014": "-",
    }
)
# A run of digit groups joined by one separator each, not inside a word (references like
# RG20260603 keep their digits); an ID may end in X.
_RUN = re.compile(r"(?<![0-9A-Za-z])\+?\d+(?:[ \-.]\d+)*(?:[Xx](?![A-Za-z]))?")
_GROUP = re.compile(r"\+?\d+[Xx]?")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_COUNTRY = ("+86", "0086", "86")
_DATE = r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
_ID_18 = re.compile(rf"\d{{6}}(?:18|19|20)\d{{2}}{_DATE}\d{{3}}[\dXx]")
_ID_15 = re.compile(rf"\d{{6}}\d{{2}}{_DATE}\d{{3}}")
_LANDLINE = re.compile(r"0\d{9,11}")


def _masked(number: str) -> str | None:
    """The masked form of a phone or ID number written without separators, else None."""
    if _ID_18.fullmatch(number):
        return number[:3] + "*" * 11 + number[-4:]
    if _ID_15.fullmatch(number):
        return number[:3] + "*" * 8 + number[-4:]
    for prefix in _COUNTRY:
        if number.startswith(prefix) and _MOBILE.fullmatch(number[len(prefix) :]):
            return prefix + number[len(prefix) : len(prefix) + 3] + "****" + number[-4:]
    if _MOBILE.fullmatch(number):
        return number[:3] + "****" + number[-4:]
    if _LANDLINE.fullmatch(number):
        return number[:4] + "****"
    return None


def _mask_run(run: str) -> str:
    """Masks the longest numbers the groups of one run make, from left to right."""
    groups = [(m.start(), m.end()) for m in _GROUP.finditer(run)]
    pieces: list[str] = []
    done, i = 0, 0
    while i < len(groups):
        # No number to mask is longer than 18 digits (an ID), and every group has a digit: a run of
        # thousands of groups is searched in linear time, not cubic.
        for j in range(min(len(groups), i + 18), i, -1):
            masked = _masked("".join(run[s:e] for s, e in groups[i:j]))
            if masked is not None:
                pieces += [run[done : groups[i][0]], masked]
                done, i = groups[j - 1][1], j
                break
        else:
            i += 1
    return "".join(pieces) + run[done:]


def mask_personal_data(text: str) -> str:
    folded = text.translate(_FOLD)
    pieces: list[str] = []
    done = 0
    for match in _RUN.finditer(folded):
        masked = _mask_run(match.group())
        if masked != match.group():
            pieces += [text[done : match.start()], masked]
            done = match.end()
    return "".join(pieces) + text[done:]
