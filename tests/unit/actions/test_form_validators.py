"""What residents type into the service forms: accepted, normalized, or refused."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from actions.forms import validators


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13800138000", "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),
        ("010-55550100", "01055550100"),
        ("0571 8888 6666", "057188886666"),
    ],
)
def test_phone_numbers_are_accepted_and_normalized(typed: str, stored: str) -> None:
    assert validators.phone_number(typed) == stored


@pytest.mark.parametrize("typed", ["12345", "23800138000", "1380013800", "电话是多少", "", "13800138000abc", "110"])
def test_what_is_not_a_phone_number_is_refused(typed: str) -> None:
    assert validators.phone_number(typed) is None


@pytest.mark.parametrize(
    ("typed", "stored"), [("王秀兰", "王秀兰"), ("我叫李建国", "李建国"), ("老王", "老王"), ("Zhang Wei", "Zhang Wei")]
)
def test_names_are_accepted(typed: str, stored: str) -> None:
    assert validators.person_name(typed) == stored


@pytest.mark.parametrize(
    "typed", ["", "张三123", "调解要收费吗？", "<script>alert(1)</script>", "x" * 21, "'; DROP TABLE cases; --"]
)
def test_what_is_not_a_name_is_refused(typed: str) -> None:
    assert validators.person_name(typed) is None


@pytest.mark.parametrize(
    ("typed", "amount"), [("4000", 4000), ("4000元", 4000), ("1.2万", 12000), ("三千", 3000), ("0", 0), ("没有收入", 0)]
)
def test_amounts_are_read_in_yuan(typed: str, amount: int) -> None:
    assert validators.money(typed) == Decimal(amount)


@pytest.mark.parametrize("typed", ["负五元", "-5", "减100", "很多", "1000000000"])
def test_negative_absurd_or_missing_amounts_are_refused(typed: str) -> None:
    assert validators.money(typed) is None


@pytest.mark.parametrize(("typed", "size"), [("3", 3), ("三口人", 3), ("两个人", 2), ("家里5口", 5)])
def test_household_sizes(typed: str, size: int) -> None:
    assert validators.count(typed) == size


@pytest.mark.parametrize("typed", ["0", "-2", "很多人", "100"])
def test_impossible_household_sizes_are_refused(typed: str) -> None:
    assert validators.count(typed) is None


def test_references_are_found_in_what_is_typed() -> None:
    assert validators.reference("我的编号是 tj-7kq4-m9xp") == "TJ-7KQ4-M9XP"
    assert validators.reference("TJ7KQ4M9XP") == "TJ-7KQ4-M9XP"  # typed without the dashes
    assert validators.reference("我的编号是 tj20261122-7kq4") == "TJ20261122-7KQ4"  # made before issue 13
    assert validators.reference("TJ2026-7KQ4") is None
    assert validators.reference("TJ-7KQ4-M9XPQ") is None  # no reference is cut out of a longer code


def test_a_slot_must_be_in_the_future() -> None:
    now = datetime(2030, 3, 4, 10, 0)
    assert validators.future_slot("2030-03-05 09:00", now) == datetime(2030, 3, 5, 9, 0)
    assert validators.future_slot("2030-03-04 09:00", now) is None  # already past
    assert validators.future_slot("2030-02-30 09:00", now) is None  # no such day
    assert validators.future_slot("明天上午", now) is None
