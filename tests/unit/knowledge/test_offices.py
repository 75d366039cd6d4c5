"""The district's offices as residents rely on them: every place real, hours right, one line each."""

from __future__ import annotations

import copy
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from knowledge.entries import KnowledgeBase
from knowledge.offices import DISTRICT_DIR, OFFICES_FILE, REQUIRED_OFFICE_IDS, Gazetteer, Offices

MONDAY = datetime(2026, 3, 2)  # a Monday
SATURDAY = datetime(2026, 3, 7)
SUNDAY = datetime(2026, 3, 8)
NATIONAL_HOTLINES = {"12348", "110", "120", "12338", "12333", "12345"}


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.load()


@pytest.fixture(scope="module")
def offices(gazetteer: Gazetteer) -> Offices:
    return Offices.load(gazetteer=gazetteer)


@pytest.fixture
def raw() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(OFFICES_FILE.read_text(encoding="utf-8"))
    return data


def office(data: dict[str, Any], office_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(o for o in data["offices"] if o["id"] == office_id)
    return found


@pytest.mark.parametrize("name", ["offices.yml", "mediation.yml", "roster.yml"])
def test_every_district_data_file_says_it_is_an_example(name: str) -> None:
    head = (DISTRICT_DIR / name).read_text(encoding="utf-8").splitlines()[0]
    assert "EXAMPLE" in head and "示例区" in head


def test_the_required_offices_and_six_service_points_are_there(offices: Offices) -> None:
    ids = {o.id for o in offices.all}
    assert set(REQUIRED_OFFICE_IDS) <= ids
    assert len(offices.service_points) == 6
    justice = offices.get("justice-office")
    for service in ("公证协办点", "人民调解窗口", "法律援助申请窗口"):
        assert any(service in s for s in justice.services), service


def test_example_phone_numbers_are_fictional_or_national_hotlines(offices: Offices) -> None:
    for o in offices.all:
        assert re.fullmatch(r"010-5555\d{4}", o.phone), o.id
        assert o.hotline is None or o.hotline in NATIONAL_HOTLINES, o.id


def test_every_village_and_community_has_one_service_point(offices: Offices, gazetteer: Gazetteer) -> None:
    for place in gazetteer.places:
        points = [o.id for o in offices.service_points if place.name in o.places]
        assert len(points) == 1, (place.name, points)


def test_every_office_place_is_a_gazetteer_name(offices: Offices, gazetteer: Gazetteer) -> None:
    for o in offices.all:
        for place in o.places:
            ref = gazetteer.resolve(place)
            assert ref is not None and ref.name == place, (o.id, place)


def test_gazetteer_resolves_names_and_aliases(gazetteer: Gazetteer) -> None:
    ref = gazetteer.resolve("李家庄")
    assert ref is not None and (ref.name, ref.level, ref.division) == ("李家庄村", "place", "桃源镇")
    division = gazetteer.resolve("白沙")
    assert division is not None and (division.name, division.level) == ("白沙镇", "division")
    assert gazetteer.resolve("火星村") is None


def test_display_is_one_line_with_name_address_hours_and_phone(offices: Offices) -> None:
    justice = offices.get("justice-office")
    line = offices.display("justice-office")
    assert line == f"{justice.name}（{justice.address}；{justice.hours_text}；电话{justice.phone}）"
    assert "\n" not in line
    assert offices.display("legal-aid-center").endswith("，热线12348）")


@pytest.mark.parametrize(
    ("office_id", "at", "expected"),
    [
        ("justice-office", MONDAY.replace(hour=8, minute=30), True),
        ("justice-office", MONDAY.replace(hour=8, minute=29), False),
        ("justice-office", MONDAY.replace(hour=12, minute=30), False),  # lunch break
        ("justice-office", MONDAY.replace(hour=17, minute=29), True),
        ("justice-office", MONDAY.replace(hour=17, minute=30), False),  # closing time is closed
        ("justice-office", SATURDAY.replace(hour=10), False),
        ("notary-office", SATURDAY.replace(hour=10), True),
        ("notary-office", SUNDAY.replace(hour=10), False),
        ("police", SUNDAY.replace(hour=3), True),
        ("police", SUNDAY.replace(hour=23, minute=59), True),
        ("sp-baisha", MONDAY.replace(hour=18), True),  # after the factory shift
        ("sp-baisha", MONDAY.replace(hour=10), False),
        ("sp-nanguan", SUNDAY.replace(hour=15), True),
    ],
)
def test_is_open(offices: Offices, office_id: str, at: datetime, expected: bool) -> None:
    assert offices.is_open(office_id, at) is expected


def test_get_names_the_unknown_id(offices: Offices) -> None:
    with pytest.raises(KeyError, match="no-such-office"):
        offices.get("no-such-office")


@pytest.mark.parametrize(
    ("place", "first"),
    [
        ("杏花村", "sp-taoyuan"),  # a village
        ("李家庄", "sp-taoyuan"),  # by its alias
        ("柳巷社区", "sp-nanguan"),  # a community
        ("白沙工业园社区", "sp-baisha"),
        ("马家沟村", "sp-longquan"),
        ("滨河社区", "sp-xinhua"),
    ],
)
def test_for_place_gives_the_service_point_then_the_justice_office(offices: Offices, place: str, first: str) -> None:
    found = [o.id for o in offices.for_place(place)]
    assert found[0] == first
    assert "justice-office" in found
    assert [o for o in offices.for_place(place) if o.is_service_point] == [offices.get(first)]


def test_for_place_with_a_division_gives_its_service_points(offices: Offices) -> None:
    assert [o.id for o in offices.for_place("青石街道")] == ["sp-qingshi", "sp-nanguan", "justice-office"]
    assert offices.for_place("火星村") == []


def modify_duplicate(data: dict[str, Any]) -> None:
    data["offices"].append(copy.deepcopy(office(data, "court")))


def modify_required(data: dict[str, Any]) -> None:
    data["offices"] = [o for o in data["offices"] if o["id"] != "letters-visits"]


def modify_place(data: dict[str, Any]) -> None:
    office(data, "sp-qingshi")["places"].append("火星社区")


def modify_alias(data: dict[str, Any]) -> None:
    office(data, "sp-taoyuan")["places"] = ["李家庄"]  # data must use canonical names


def modify_time_format(data: dict[str, Any]) -> None:
    office(data, "court")["hours"]["weekly"][0]["times"] = ["8:30-12:00"]


def modify_reversed(data: dict[str, Any]) -> None:
    office(data, "court")["hours"]["weekly"][0]["times"] = ["12:00-08:30"]


def modify_overlap(data: dict[str, Any]) -> None:
    office(data, "court")["hours"]["weekly"].append({"days": ["周一"], "times": ["11:00-13:00"]})


def modify_weekday(data: dict[str, Any]) -> None:
    office(data, "court")["hours"]["weekly"][0]["days"] = ["星期一"]


def modify_extra_field(data: dict[str, Any]) -> None:
    office(data, "court")["fax"] = "010-55550401"


def modify_point_serving_a_division(data: dict[str, Any]) -> None:
    office(data, "sp-longquan")["places"] = ["龙泉乡"]


def modify_two_points_one_place(data: dict[str, Any]) -> None:
    office(data, "sp-longquan")["places"].append("桃源村")


@pytest.mark.parametrize(
    ("modify", "message"),
    [
        (modify_duplicate, "duplicate office id"),
        (modify_required, "required office ids missing"),
        (modify_place, "火星社区"),
        (modify_alias, "李家庄"),
        (modify_time_format, "08:30-12:00"),
        (modify_reversed, "ends before it starts"),
        (modify_overlap, "overlapping hours on 周一"),
        (modify_weekday, "days"),
        (modify_extra_field, "fax"),
        (modify_point_serving_a_division, "not '龙泉乡'"),
        (modify_two_points_one_place, "served by two service points"),
    ],
)
def test_bad_office_data_is_rejected(raw: dict[str, Any], gazetteer: Gazetteer, modify: Any, message: str) -> None:
    Offices.from_dict(raw, gazetteer)  # the unmodified data loads
    modify(raw)
    with pytest.raises(ValueError, match=message):
        Offices.from_dict(raw, gazetteer)


def test_a_bad_file_is_named_in_the_error(tmp_path: Path, raw: dict[str, Any], gazetteer: Gazetteer) -> None:
    modify_required(raw)
    path = tmp_path / "my_offices.yml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match=r"my_offices\.yml"):
        Offices.load(path, gazetteer)


def test_entries_about_offices_name_real_offices_and_leave_details_to_the_data(
    kb: KnowledgeBase, offices: Offices
) -> None:
    with_offices = [e for e in kb.entries if e.offices]
    assert len(with_offices) >= 4
    details = {o.address for o in offices.all} | {o.phone for o in offices.all}
    for entry in with_offices:
        assert all(office_id in offices for office_id in entry.offices), entry.id
        assert not [d for d in details if d in entry.answer], entry.id
        assert not re.search(r"\d{1,2}[:：]\d{2}|010-", entry.answer), entry.id  # no hours or numbers


@pytest.mark.parametrize(
    ("text", "place"),
    [("桃源镇杏花村", "杏花村"), ("在李家庄那边", "李家庄村"), ("青石街道", "青石街道"), ("我住在北京", None)],
)
def test_the_most_specific_place_a_resident_mentions_is_found(text: str, place: str | None) -> None:
    found = Offices.load().gazetteer.find_in(text)
    assert (found.name if found else None) == place
