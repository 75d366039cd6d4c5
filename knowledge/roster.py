"""Stationed lawyers and village/community legal advisers, and the remote sessions their
published hours offer (data/district/roster.yml).

Only slots are computed here; bookings are stored by the database layer, which passes the
taken slots in. All datetimes are naive local times.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator

from knowledge.areas import load_taxonomy
from knowledge.datafile import Frozen, naming, read_yaml, unique_ids
from knowledge.offices import DISTRICT_DIR, ID_PATTERN, Gazetteer, TimeRange, WeeklyHours, ranges_by_day

ROSTER_FILE = DISTRICT_DIR / "roster.yml"

AdviserKind = Literal["stationed_lawyer", "legal_adviser"]


class Adviser(Frozen):
    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1)
    kind: AdviserKind
    firm: str = Field(min_length=1)
    places: list[str] = Field(min_length=1)  # gazetteer names
    topics: list[str] = Field(min_length=1)  # consultation areas
    session_minutes: int = Field(ge=10, le=120)
    hours: list[WeeklyHours] = Field(min_length=1)

    @field_validator("topics")
    @classmethod
    def _known_topics(cls, topics: list[str]) -> list[str]:
        unknown = [topic for topic in topics if topic not in load_taxonomy().areas]
        if unknown:
            raise ValueError(f"unknown consultation areas: {unknown}")
        return topics


class RosterFile(Frozen):
    booking_horizon_days: int = Field(ge=1, le=90)
    kinds: dict[AdviserKind, str]
    advisers: list[Adviser] = Field(min_length=1)


@dataclass(frozen=True)
class Slot:
    adviser_id: str
    start: datetime
    end: datetime


def _naive(moment: datetime) -> datetime:
    if moment.tzinfo is not None:
        raise ValueError("roster times are naive local datetimes")
    return moment


class Roster:
    def __init__(self, data: RosterFile, gazetteer: Gazetteer):
        self._data = data
        self._gazetteer = gazetteer
        unique_ids("adviser", (adviser.id for adviser in data.advisers))
        self._by_id: dict[str, Adviser] = {}
        self._schedules: dict[str, dict[int, list[TimeRange]]] = {}
        for adviser in data.advisers:
            gazetteer.check_names(adviser.places, adviser.id)
            try:
                schedule = ranges_by_day(adviser.hours)
            except ValueError as error:
                raise ValueError(f"{adviser.id}: {error}") from error
            for ranges in schedule.values():
                for time_range in ranges:
                    # A half session at the end of a range would be offered and then cut short.
                    if (time_range.end - time_range.start) % adviser.session_minutes:
                        raise ValueError(
                            f"{adviser.id}: {time_range} is not a whole number of "
                            f"{adviser.session_minutes}-minute sessions"
                        )
            if adviser.kind not in data.kinds:
                raise ValueError(f"{adviser.id}: kind {adviser.kind} has no name under kinds")
            self._by_id[adviser.id] = adviser
            self._schedules[adviser.id] = schedule

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], gazetteer: Gazetteer | None = None) -> Roster:
        return cls(RosterFile.model_validate(data), gazetteer or Gazetteer.load())

    @classmethod
    def load(cls, path: Path = ROSTER_FILE, gazetteer: Gazetteer | None = None) -> Roster:
        with naming(path):
            return cls.from_dict(read_yaml(path), gazetteer)

    @property
    def gazetteer(self) -> Gazetteer:
        return self._gazetteer

    @property
    def advisers(self) -> list[Adviser]:
        return list(self._data.advisers)

    @property
    def booking_horizon_days(self) -> int:
        return self._data.booking_horizon_days

    def get(self, adviser_id: str) -> Adviser:
        try:
            return self._by_id[adviser_id]
        except KeyError:
            raise KeyError(f"no adviser with id {adviser_id!r} (known: {', '.join(self._by_id)})") from None

    def kind_name(self, adviser_id: str) -> str:
        """驻所律师 or 村（社区）法律顾问, as residents read it."""
        return self._data.kinds[self.get(adviser_id).kind]

    def slots(self, after: datetime, days: int = 7, adviser_id: str | None = None) -> list[Slot]:
        """Sessions starting strictly after `after`, on `days` calendar days from after's date
        (today included), ordered by start time then adviser id."""
        _naive(after)
        if days < 0:
            raise ValueError("days must not be negative")
        advisers = [self.get(adviser_id)] if adviser_id else self._data.advisers
        midnight = datetime.combine(after.date(), datetime.min.time())
        found: list[Slot] = []
        for offset in range(days):
            day = midnight + timedelta(days=offset)
            for adviser in advisers:
                length = timedelta(minutes=adviser.session_minutes)
                for time_range in self._schedules[adviser.id].get(day.weekday(), []):
                    for minute in range(time_range.start, time_range.end, adviser.session_minutes):
                        start = day + timedelta(minutes=minute)
                        if start > after:
                            found.append(Slot(adviser.id, start, start + length))
        return sorted(found, key=lambda slot: (slot.start, slot.adviser_id))

    def covers(self, adviser_id: str, topic: str) -> bool:
        """Whether the adviser takes this consultation area (or sub-area) among their topics."""
        return self._covers(self.get(adviser_id), topic)

    def _covers(self, adviser: Adviser, topic: str) -> bool:
        # The area classifier gives an area; a sub-area such as 宅基地 counts as its area.
        area = topic if topic in load_taxonomy().areas else load_taxonomy().placement.get(topic)
        return area in adviser.topics

    def next_free(
        self,
        after: datetime,
        taken: set[tuple[str, datetime]],
        adviser_id: str | None = None,
        topic: str | None = None,
    ) -> Slot | None:
        """The earliest untaken session within the booking horizon.

        With `adviser_id`, only that adviser. With `topic` (a consultation area or a sub-area
        such as 宅基地), advisers who cover it are tried first; if none of them has a free
        session in the horizon, any adviser's earliest free session is offered instead.
        """
        free = [
            slot
            for slot in self.slots(after, self.booking_horizon_days, adviser_id)
            if (slot.adviser_id, slot.start) not in taken
        ]
        if topic and not adviser_id:
            preferred = [slot for slot in free if self._covers(self._by_id[slot.adviser_id], topic)]
            if preferred:
                return preferred[0]
        return free[0] if free else None

    def is_valid_slot(self, adviser_id: str, start: datetime) -> bool:
        """Whether `start` begins one of the adviser's sessions (by weekly hours, any date)."""
        adviser = self._by_id.get(adviser_id)
        if adviser is None or start.tzinfo is not None or start.second or start.microsecond:
            return False
        minute = start.hour * 60 + start.minute
        return any(
            time_range.start <= minute < time_range.end and (minute - time_range.start) % adviser.session_minutes == 0
            for time_range in self._schedules[adviser_id].get(start.weekday(), [])
        )
