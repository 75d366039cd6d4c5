from datetime import date

import pytest

from bot.components.entity_rules import find_all, parse_number, valid_id_card

TODAY = date(2026, 11, 22)


def values(text: str, label: str) -> list[object]:
    return [f.value for f in find_all(text, TODAY) if f.label == label]


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("三万二", 32000),
        ("两千五", 2500),
        ("3.2万", 32000),
        ("3万2", 32000),
        ("一千零五", 1005),
        ("壹万伍仟", 15000),
        ("三万二千", 32000),
        ("十万", 100000),
        ("32000", 32000),
    ],
)
def test_numbers_are_read_as_residents_write_them(raw: str, number: int) -> None:
    assert parse_number(raw) == number


@pytest.mark.parametrize(
    ("text", "amounts"),
    [
        ("包工头还欠我三万二没给", [32000]),
        ("借给他5000元", [5000]),
        ("彩礼给了十八万", [180000]),
        ("罚款两百块", [200]),
        ("赔了1.5万元", [15000]),
        ("干了三个月", []),
        ("我家有三口人", []),
    ],
)
def test_money_amounts_are_normalized_to_yuan(text: str, amounts: list[int]) -> None:
    assert values(text, "money") == amounts


@pytest.mark.parametrize(
    ("text", "durations"),
    [
        ("干了半年活", ["P6M"]),
        ("一年半了还没还", ["P18M"]),
        ("三个月工资", ["P3M"]),
        ("等了十五天", ["P15D"]),
        ("分居两年", ["P2Y"]),
        ("三月份签的", []),
        ("2023年的事", []),
    ],
)
def test_durations_become_iso_8601(text: str, durations: list[str]) -> None:
    assert values(text, "duration") == durations


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("去年三月借的钱", ["2025-03"]),
        ("2023年5月6号签的合同", ["2023-05-06"]),
        ("上个月被辞退", ["2026-10"]),
        ("明天开庭", ["2026-11-23"]),
        ("3月15日出的车祸", ["2026-03-15"]),
        ("2023年13月", []),
    ],
)
def test_dates_are_resolved_against_today(text: str, dates: list[str]) -> None:
    assert values(text, "date") == dates


def test_phone_numbers_are_validated_and_normalized() -> None:
    assert values("电话138 1234 5678", "phone") == ["13812345678"]
    assert values("座机0571-87654321", "phone") == ["0571-87654321"]
    assert values("单号12345678901", "phone") == []  # no mobile number starts with 12


def test_id_card_numbers_must_pass_the_checksum() -> None:
    assert valid_id_card("11010519491231002X")
    assert not valid_id_card("110105194912310021")  # wrong check character
    assert not valid_id_card("110105194913310028")  # month 13
    assert values("身份证11010519491231002x", "id_card") == ["11010519491231002X"]
    assert values("身份证110105194912310021", "id_card") == []


@pytest.mark.parametrize(
    ("text", "near"),
    [
        ("明天就要开庭了", True),
        ("还剩三天就过仲裁时效了", True),
        ("时效快到了", True),
        ("下周法院强拆", True),
        ("去年开过庭", False),
        ("还有三十天", False),
    ],
)
def test_near_deadlines_are_noticed(text: str, near: bool) -> None:
    assert (values(text, "deadline_near") == ["true"]) is near
