"""Rules that find and normalize the entities residents mention. Plain functions: no Rasa here.

money: 三万二 → 32000;  duration: 半年 → P6M;  date: 去年三月 → 2025-03;  phone (validated);
id_card (checksum-validated);  deadline_near.  Roles and places are phrase lists (entities.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable, Iterator, List

import cn2an

Value = int | str


@dataclass(frozen=True)
class Found:
    label: str
    start: int
    end: int
    value: Value


_FINANCIAL = str.maketrans("壹贰叁肆伍陆柒捌玖拾佰仟萬〇两", "一二三四五六七八九十百千万零二")
_DIGIT = {c: i for i, c in enumerate("零一二三四五六七八九")}
_UNIT = {"十": 10, "百": 100, "千": 1000, "万": 10000}
_CN = "零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟萬"
NUMBER = rf"(?:\d+(?:\.\d+)?(?:[万千](?:\d|[{_CN}])?)?|[{_CN}]+)"


def parse_number(raw: str) -> float | None:
    """Chinese, Arabic or mixed numerals, with colloquial tails: 三万二 = 32000, 两千五 = 2500."""
    text = raw.translate(_FINANCIAL)
    tail = re.fullmatch(r"(.*[^零])([万千百])([一二三四五六七八九]|\d)", text)
    if tail:
        head = parse_number(tail.group(1) + tail.group(2))
        digit = _DIGIT.get(tail.group(3))
        digit = int(tail.group(3)) if digit is None else digit
        if head is not None:
            return head + digit * _UNIT[tail.group(2)] / 10
    try:
        return float(cn2an.cn2an(text, "smart"))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


_MONEY_CURRENCY = re.compile(rf"({NUMBER})多?(万元|元|块钱|块|圆)")
_MONEY_CUE = re.compile(
    rf"(欠|借|赔|还|给|要|花|付|转|工资|工钱|彩礼|押金|定金|订金|赔偿|罚款|补偿|房租|货款|欠款|借款)[^\d{_CN}]{{0,4}}?({NUMBER})"
)


def find_money(text: str) -> Iterator[Found]:
    taken: List[range] = []
    for match in _MONEY_CURRENCY.finditer(text):
        amount = parse_number(match.group(1))
        if amount is not None:
            if match.group(2) == "万元":
                amount *= 10000
            taken.append(range(match.start(), match.end()))
            yield Found("money", match.start(), match.end(), round(amount))
    for match in _MONEY_CUE.finditer(text):
        number = match.group(2)
        if not re.search("[万千]", number):  # "欠我三" is not an amount; "欠我三万二" is
            continue
        if any(match.start(2) in span for span in taken):
            continue
        amount = parse_number(number)
        if amount is not None:
            yield Found("money", match.start(2), match.end(2), round(amount))


_DURATION = re.compile(rf"(一个半|两个半|半|{NUMBER})(个)?(天|日|周|星期|个月|月|年)(半)?")
_DAYS = {"天": 1, "日": 1, "周": 7, "星期": 7}


def find_durations(text: str) -> Iterator[Found]:
    for match in _DURATION.finditer(text):
        count_text, measure_word, unit, half = match.groups()
        if unit == "月" and not measure_word and count_text != "半":
            continue  # 三月 is March, 三个月 is a duration
        if unit == "年" and (re.fullmatch(r"\d{4}", count_text) or count_text in {"去", "前", "今", "明"}):
            continue
        if count_text == "半":
            count = 0.5
        elif count_text in {"一个半", "两个半"}:
            count = {"一个半": 1.5, "两个半": 2.5}[count_text]
        else:
            parsed = parse_number(count_text)
            if parsed is None:
                continue
            count = parsed
        if half:
            count += 0.5
        yield Found("duration", match.start(), match.end(), _iso_duration(count, unit))


def _iso_duration(count: float, unit: str) -> str:
    if unit in _DAYS:
        return f"P{round(count * _DAYS[unit])}D"
    months = count * (12 if unit == "年" else 1)
    if months != int(months):
        return f"P{round(months * 30)}D"
    if unit == "年" and months % 12 == 0:
        return f"P{int(months // 12)}Y"
    return f"P{int(months)}M"


_SMALL = rf"(\d{{1,2}}|[{_CN}]{{1,3}})"
_ABS_DATE = re.compile(rf"(\d{{4}})年{_SMALL}月(?:{_SMALL}[日号])?")
_REL_YEAR = re.compile(rf"(大前年|前年|去年|今年|明年){_SMALL}月(?:份)?(?:{_SMALL}[日号])?")
_REL_MONTH = re.compile(r"(上上个月|上个月|这个月|本月|下个月)")
_MONTH_DAY = re.compile(rf"(?<![年\d]){_SMALL}月{_SMALL}[日号]")
_REL_DAY = {"大前天": -3, "前天": -2, "昨天": -1, "今天": 0, "明天": 1, "后天": 2}
_YEAR_OFFSET = {"大前年": -3, "前年": -2, "去年": -1, "今年": 0, "明年": 1}
_MONTH_OFFSET = {"上上个月": -2, "上个月": -1, "这个月": 0, "本月": 0, "下个月": 1}


def _small(raw: str | None) -> int | None:
    if raw is None:
        return None
    value = parse_number(raw)
    return int(value) if value is not None else None


def _date_value(year: int, month: int | None, day: int | None) -> str | None:
    if month is None or not 1 <= month <= 12:
        return None
    if day is None:
        return f"{year:04d}-{month:02d}"
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def find_dates(text: str, today: date) -> Iterator[Found]:
    taken: List[range] = []

    def emit(match: "re.Match[str]", value: str | None) -> Iterator[Found]:
        if value and not any(match.start() in span for span in taken):
            taken.append(range(match.start(), match.end()))
            yield Found("date", match.start(), match.end(), value)

    for match in _ABS_DATE.finditer(text):
        yield from emit(match, _date_value(int(match.group(1)), _small(match.group(2)), _small(match.group(3))))
    for match in _REL_YEAR.finditer(text):
        year = today.year + _YEAR_OFFSET[match.group(1)]
        yield from emit(match, _date_value(year, _small(match.group(2)), _small(match.group(3))))
    for match in _REL_MONTH.finditer(text):
        month_index = today.year * 12 + today.month - 1 + _MONTH_OFFSET[match.group(1)]
        yield from emit(match, f"{month_index // 12:04d}-{month_index % 12 + 1:02d}")
    for match in _MONTH_DAY.finditer(text):
        yield from emit(match, _date_value(today.year, _small(match.group(1)), _small(match.group(2))))
    for word, offset in _REL_DAY.items():
        for match in re.finditer(word, text):
            yield from emit(match, (today + timedelta(days=offset)).isoformat())


_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})-(\d{7,8})(?!\d)")


def find_phones(text: str) -> Iterator[Found]:
    for match in _MOBILE.finditer(text):
        yield Found("phone", match.start(), match.end(), "".join(match.groups()))
    for match in _LANDLINE.finditer(text):
        yield Found("phone", match.start(), match.end(), f"{match.group(1)}-{match.group(2)}")


_ID_CARD = re.compile(r"(?<![0-9a-z])(\d{17}[0-9x])(?![0-9a-z])", re.IGNORECASE)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def valid_id_card(number: str) -> bool:
    """GB 11643: 18 characters, a real birth date, and the ISO 7064 MOD 11-2 check character."""
    number = number.upper()
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return False
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    check = "10X98765432"[sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True)) % 11]
    return number[17] == check


def find_id_cards(text: str) -> Iterator[Found]:
    for match in _ID_CARD.finditer(text):
        if valid_id_card(match.group(1)):
            yield Found("id_card", match.start(), match.end(), match.group(1).upper())


_DEADLINE = re.compile(
    r"(明天|后天|下周|这周|过两天|过几天|马上|就要|快要?)[^，。！？,.!?]{0,4}(开庭|到期|过期|截止|满|判|执行|强拆|拆)"
    r"|(时效|期限|仲裁期|上诉期)[^，。！？,.!?]{0,3}(快|马上|就要)(到|过|满)"
    r"|(还剩|只剩|还有|就剩)(一|两|二|三|四|五|六|七|[1-7])天"
    r"|最后一天"
)


def find_deadline(text: str) -> Iterator[Found]:
    match = _DEADLINE.search(text)
    if match:
        yield Found("deadline_near", match.start(), match.end(), "true")


def find_all(text: str, today: date) -> List[Found]:
    finders: List[Callable[[str], Iterator[Found]]] = [
        find_money,
        find_durations,
        lambda t: find_dates(t, today),
        find_phones,
        find_id_cards,
        find_deadline,
    ]
    return [found for finder in finders for found in finder(text)]
