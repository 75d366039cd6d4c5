"""Checks and normalizers for what residents type into forms: plain functions, easy to test.

Each returns the normalized value, or None when the answer cannot be accepted.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation

from casebook.services.cases import REFERENCE_ALPHABET
from knowledge.numerals import chinese_to_int

MOBILE = re.compile(r"1[3-9]\d{9}")
LANDLINE = re.compile(r"0\d{2,3}\d{7,8}")
# TJ-7KQ4-M9XP, typed with or without the dashes; and the older TJ20261122-7KQ4 (before issue 13).
REFERENCE = re.compile(
    rf"(?<![A-Z0-9])([A-Z]{{2}})-?([{REFERENCE_ALPHABET}]{{4}})-?([{REFERENCE_ALPHABET}]{{4}})(?![A-Z0-9])"
)
LEGACY_REFERENCE = re.compile(r"(?<![A-Z0-9])[A-Z]{2}\d{8}-[2-9A-Z]{4}(?![A-Z0-9])")
_QUESTION_MARKERS = ("？", "?", "吗", "怎么", "什么", "如何", "为什么", "能不能", "可不可以")
# Answers that are replies, not names (the NLU usually catches them as affirm/deny first).
_NOT_NAMES = {"不用了", "不用", "好的", "好", "是的", "是", "没有", "不是", "不知道", "算了", "不想说"}
_CJK_NUMERAL = re.compile(r"[零〇一二两三四五六七八九十百千万]+")


def phone_number(text: str) -> str | None:
    """A mobile (11 digits, 1[3-9]…) or landline with area code; spaces and dashes ignored."""
    digits = re.sub(r"[\s\-()（）]", "", text.strip()).removeprefix("+86").removeprefix("86")
    if MOBILE.fullmatch(digits) or LANDLINE.fullmatch(digits):
        return digits
    return None


def person_name(text: str) -> str | None:
    """A name or a way to be addressed: 1-20 characters, no digits, not a question."""
    name = re.sub(r"^(我叫|我是|叫我|姓名[:：]?|名字[:：]?)", "", text.strip()).strip(" 。，,.!！")
    if name in _NOT_NAMES:
        return None
    if not 1 <= len(name) <= 20 or re.search(r"\d", name) or any(m in name for m in _QUESTION_MARKERS):
        return None
    if re.search(r"[<>{}\[\]\\/;=]", name):  # markup or code, not a name
        return None
    return name


def free_text(text: str, min_chars: int = 2, max_chars: int = 500) -> str | None:
    cleaned = re.sub(r"\s+", " ", text.strip())
    return cleaned if min_chars <= len(cleaned) <= max_chars else None


def count(text: str, low: int = 1, high: int = 20) -> int | None:
    """A small whole number written in digits or Chinese: "3", "三口人", "两个人"."""
    match = re.search(r"-?\d+", text)
    value: int | None = None
    if match:
        value = int(match.group())
    else:
        numeral = _CJK_NUMERAL.search(text.replace("两", "二"))
        if numeral:
            try:
                value = chinese_to_int(numeral.group())
            except ValueError:
                value = None
    return value if value is not None and low <= value <= high else None


def money(text: str, maximum: Decimal = Decimal(10_000_000)) -> Decimal | None:
    """An amount in yuan, zero or more: "4000", "4000元", "32000" (the NLU's money entity), "没有收入" → 0."""
    cleaned = text.strip().replace(",", "").replace("，", "")
    if re.search(r"(负|-|减)\s*\d|^负", cleaned):
        return None
    if re.fullmatch(r"(没有|无|零|0)(收入)?(元)?", cleaned) or cleaned in {"没收入", "没有收入"}:
        return Decimal(0)
    match = re.search(r"\d+(\.\d+)?", cleaned)
    if match:
        try:
            amount = Decimal(match.group())
        except InvalidOperation:
            return None
        if "万" in cleaned[match.end() : match.end() + 2]:
            amount *= 10_000
    else:
        numeral = _CJK_NUMERAL.search(cleaned.replace("两", "二"))
        if not numeral:
            return None
        try:
            amount = Decimal(chinese_to_int(numeral.group()))
        except ValueError:
            return None
    return amount if 0 <= amount <= maximum else None


def reference(text: str) -> str | None:
    """A case reference in the text, in its printed form (TJ-7KQ4-M9XP)."""
    candidate = re.sub(r"\s+", "", text).upper()
    match = REFERENCE.search(candidate)
    if match:
        return "-".join(match.groups())
    legacy = LEGACY_REFERENCE.search(candidate)
    return legacy.group() if legacy else None


def future_slot(text: str, now: datetime) -> datetime | None:
    """A slot chosen from the buttons: "2026-11-24 09:00" (optionally prefixed by "id@")."""
    match = re.search(r"(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})", text)
    if not match:
        return None
    year, month, day, hour, minute = (int(part) for part in match.groups())
    try:
        start = datetime(year, month, day, hour, minute)
    except ValueError:
        return None
    return start if start > now else None
