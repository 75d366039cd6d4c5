"""Remote lawyer sessions: the slots published hours give, the next free one, valid bookings."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import yaml

from knowledge.offices import Gazetteer
from knowledge.roster import ROSTER_FILE, Roster, Slot

MONDAY = datetime(2026, 3, 2)  # a Monday
TUESDAY = MONDAY + timedelta(days=1)


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.load()


@pytest.fixture(scope="module")
def roster(gazetteer: Gazetteer) -> Roster:
    return Roster.load(gazetteer=gazetteer)


@pytest.fixture
def raw() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(ROSTER_FILE.read_text(encoding="utf-8"))
    return data


def adviser(data: dict[str, Any], adviser_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(a for a in data["advisers"] if a["id"] == adviser_id)
    return found


def test_the_roster_has_lawyers_and_advisers_with_partly_overlapping_hours(roster: Roster) -> None:
    assert len(roster.advisers) >= 6
    assert {a.kind for a in roster.advisers} == {"stationed_lawyer", "legal_adviser"}
    assert roster.kind_name("lawyer-zhou") == "驻所律师"
    week = roster.slots(MONDAY, days=7)
    starts = [slot.start for slot in week]
    assert len(set(starts)) < len(starts), "some sessions of different advisers run at the same time"
    assert len({slot.adviser_id for slot in week}) == len(roster.advisers)


def test_slots_follow_weekly_hours_and_session_length(roster: Roster) -> None:
    week = roster.slots(MONDAY, days=7)
    for slot in week:
        adviser = roster.get(slot.adviser_id)
        assert slot.end - slot.start == timedelta(minutes=adviser.session_minutes)
        assert roster.is_valid_slot(slot.adviser_id, slot.start)
    zhou = [slot.start for slot in week if slot.adviser_id == "lawyer-zhou"]
    assert {start.weekday() for start in zhou} == {1, 3}  # Tuesday and Thursday mornings
    assert [s.strftime("%H:%M") for s in zhou if s.date() == TUESDAY.date()] == [
        "09:00",
        "09:30",
        "10:00",
        "10:30",
        "11:00",
        "11:30",
    ]
    chen = [slot for slot in week if slot.adviser_id == "adviser-chen"]
    assert chen[0].end - chen[0].start == timedelta(minutes=20)


def test_slots_are_ordered_and_only_after_the_given_time(roster: Roster) -> None:
    after = TUESDAY.replace(hour=10)
    found = roster.slots(after, days=3)
    assert found == sorted(found, key=lambda slot: (slot.start, slot.adviser_id))
    assert all(slot.start > after for slot in found)
    assert found[0] == Slot("lawyer-zhou", TUESDAY.replace(hour=10, minute=30), TUESDAY.replace(hour=11))
    assert all(slot.start.date() < (after + timedelta(days=3)).date() for slot in found)


def test_slots_for_one_adviser_and_one_day(roster: Roster) -> None:
    monday = roster.slots(MONDAY, days=1)
    assert {slot.adviser_id for slot in monday} == {"lawyer-lin", "adviser-sun"}
    assert all(slot.start.date() == MONDAY.date() for slot in monday)
    only_sun = roster.slots(MONDAY, days=7, adviser_id="adviser-sun")
    assert {slot.adviser_id for slot in only_sun} == {"adviser-sun"}
    assert len(only_sun) == 4 + 3  # Monday 18:00–20:00 and Wednesday 12:00–13:30, 30 minutes each
    assert roster.slots(MONDAY, days=0) == []


def test_slots_want_naive_local_times(roster: Roster) -> None:
    with pytest.raises(ValueError, match="naive"):
        roster.slots(MONDAY.replace(tzinfo=UTC))


def test_next_free_is_the_earliest_untaken_session(roster: Roster) -> None:
    after = MONDAY.replace(hour=10)
    first = roster.next_free(after, set())
    assert first == Slot("lawyer-lin", MONDAY.replace(hour=14), MONDAY.replace(hour=14, minute=30))
    second = roster.next_free(after, {(first.adviser_id, first.start)})
    assert second is not None and second.start == MONDAY.replace(hour=14, minute=30)
    # A taken slot of another adviser at the same time does not block this one.
    assert roster.next_free(after, {("lawyer-zhou", first.start)}) == first


def test_next_free_prefers_advisers_who_cover_the_topic(roster: Roster) -> None:
    after = MONDAY.replace(hour=10)
    labour = roster.next_free(after, set(), topic="劳动纠纷")
    assert labour is not None and labour.adviser_id == "lawyer-lin"
    housing = roster.next_free(after, set(), topic="房产纠纷")  # Monday's advisers do labour cases
    assert housing == Slot("lawyer-zhou", TUESDAY.replace(hour=9), TUESDAY.replace(hour=9, minute=30))
    homestead = roster.next_free(after, set(), topic="宅基地")  # a sub-area counts as its area
    assert homestead == housing
    nobody = roster.next_free(after, set(), topic="海事海商")  # no one covers it: earliest of all
    assert nobody == roster.next_free(after, set())


def test_next_free_skips_taken_sessions_of_preferred_advisers(roster: Roster) -> None:
    after = MONDAY.replace(hour=10)
    taken = {(s.adviser_id, s.start) for s in roster.slots(after, 2) if s.adviser_id == "lawyer-zhou"}
    housing = roster.next_free(after, taken, topic="房产纠纷")
    assert housing is not None and housing.adviser_id != "lawyer-zhou"
    assert "房产纠纷" in roster.get(housing.adviser_id).topics


def test_next_free_for_one_adviser_and_when_all_is_taken(roster: Roster) -> None:
    after = MONDAY.replace(hour=10)
    ma = roster.next_free(after, set(), adviser_id="adviser-ma")
    assert ma == Slot("adviser-ma", MONDAY.replace(day=4, hour=9), MONDAY.replace(day=4, hour=9, minute=30))
    everything = {(s.adviser_id, s.start) for s in roster.slots(after, roster.booking_horizon_days)}
    assert roster.next_free(after, everything) is None


@pytest.mark.parametrize(
    ("adviser_id", "start", "valid"),
    [
        ("lawyer-zhou", TUESDAY.replace(hour=9), True),
        ("lawyer-zhou", TUESDAY.replace(hour=11, minute=30), True),  # the last session
        ("lawyer-zhou", TUESDAY.replace(hour=12), False),  # closing time
        ("lawyer-zhou", TUESDAY.replace(hour=9, minute=10), False),  # not on a session boundary
        ("lawyer-zhou", MONDAY.replace(hour=9), False),  # wrong weekday
        ("lawyer-zhou", TUESDAY.replace(hour=9, second=30), False),
        ("adviser-chen", TUESDAY.replace(hour=14, minute=40), True),  # 20-minute sessions
        ("adviser-chen", TUESDAY.replace(hour=14, minute=30), False),
        ("lawyer-zhou", TUESDAY.replace(hour=9, tzinfo=UTC), False),
        ("nobody", TUESDAY.replace(hour=9), False),
    ],
)
def test_is_valid_slot(roster: Roster, adviser_id: str, start: datetime, valid: bool) -> None:
    assert roster.is_valid_slot(adviser_id, start) is valid


def test_get_names_the_unknown_id(roster: Roster) -> None:
    with pytest.raises(KeyError, match="nobody"):
        roster.get("nobody")


def modify_duplicate(data: dict[str, Any]) -> None:
    data["advisers"].append(copy.deepcopy(adviser(data, "adviser-ma")))


def modify_place(data: dict[str, Any]) -> None:
    adviser(data, "adviser-ma")["places"] = ["火星村"]


def modify_topic(data: dict[str, Any]) -> None:
    adviser(data, "adviser-ma")["topics"] = ["星座运势"]


def modify_partial_session(data: dict[str, Any]) -> None:
    adviser(data, "adviser-ma")["hours"] = [{"days": ["周三"], "times": ["09:00-11:45"]}]


def modify_overlap(data: dict[str, Any]) -> None:
    adviser(data, "adviser-ma")["hours"].append({"days": ["周三"], "times": ["11:00-12:00"]})


def modify_session(data: dict[str, Any]) -> None:
    adviser(data, "adviser-ma")["session_minutes"] = 5


def modify_kind(data: dict[str, Any]) -> None:
    adviser(data, "adviser-ma")["kind"] = "judge"


def modify_kind_name(data: dict[str, Any]) -> None:
    del data["kinds"]["legal_adviser"]


@pytest.mark.parametrize(
    ("modify", "message"),
    [
        (modify_duplicate, "duplicate adviser id"),
        (modify_place, "火星村"),
        (modify_topic, "unknown consultation areas"),
        (modify_partial_session, "whole number"),
        (modify_overlap, "overlapping hours on 周三"),
        (modify_session, "session_minutes"),
        (modify_kind, "kind"),
        (modify_kind_name, "has no name"),
    ],
)
def test_bad_roster_data_is_rejected(raw: dict[str, Any], gazetteer: Gazetteer, modify: Any, message: str) -> None:
    Roster.from_dict(raw, gazetteer)  # the unmodified data loads
    modify(raw)
    with pytest.raises(ValueError, match=message):
        Roster.from_dict(raw, gazetteer)
