"""The district's offices: where each one is, when it is open, which places it serves.

Also the building blocks the other district data files share: the gazetteer of place names
(data/district/gazetteer.yml) and weekly opening hours. All times are naive local times;
public holidays are not modelled (the hours text says so, `is_open` does not know them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from knowledge.datafile import DATA_DIR, Frozen, load_yaml_model, naming, read_yaml, unique_ids

DISTRICT_DIR = DATA_DIR / "district"
GAZETTEER_FILE = DISTRICT_DIR / "gazetteer.yml"
OFFICES_FILE = DISTRICT_DIR / "offices.yml"

ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")  # index = datetime.weekday()
Weekday = Literal["周一", "周二", "周三", "周四", "周五", "周六", "周日"]

# Ids the other modules refer to (mediation exclusions, knowledge-base entries, service flows).
REQUIRED_OFFICE_IDS = (
    "justice-office",
    "legal-aid-center",
    "notary-office",
    "public-legal-service-center",
    "court",
    "labour-arbitration",
    "police",
    "letters-visits",
)
SERVICE_POINT = "service_point"
OfficeKind = Literal[
    "justice_office",
    "legal_aid_center",
    "notary_office",
    "public_legal_service_center",
    "court",
    "labour_arbitration",
    "police",
    "letters_visits",
    "service_point",
]

_TIME_RANGE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-(?:([01]\d|2[0-3]):([0-5]\d)|(24):(00))$")


# --- Gazetteer -------------------------------------------------------------------------------


class GazetteerPlace(BaseModel):
    # The gazetteer is shared with the bot's entity extractor: tolerate fields added for it.
    model_config = ConfigDict(extra="ignore", frozen=True)

    name: str = Field(min_length=1)
    kind: Literal["村", "社区"]
    aliases: list[str] = Field(default_factory=list)


class Division(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    name: str = Field(min_length=1)
    kind: Literal["街道", "镇", "乡"]
    aliases: list[str] = Field(default_factory=list)
    places: list[GazetteerPlace] = Field(min_length=1)


@dataclass(frozen=True)
class PlaceRef:
    """A resolved place name. `division` is the street/town it lies in (itself for a division)."""

    name: str
    level: Literal["district", "division", "place"]
    kind: str  # 区, 街道/镇/乡, 村/社区
    division: str | None


class Gazetteer(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    district: str = Field(min_length=1)
    divisions: list[Division] = Field(min_length=1)

    @model_validator(mode="after")
    def _names_unique(self) -> Gazetteer:
        seen: set[str] = set()
        for ref_name in self._all_names():
            if ref_name in seen:
                raise ValueError(f"gazetteer name or alias used twice: {ref_name}")
            seen.add(ref_name)
        return self

    def _all_names(self) -> Iterable[str]:
        yield self.district
        for division in self.divisions:
            yield division.name
            yield from division.aliases
            for place in division.places:
                yield place.name
                yield from place.aliases

    @classmethod
    def load(cls, path: Path = GAZETTEER_FILE) -> Gazetteer:
        return load_yaml_model(cls, path)

    def resolve(self, name: str) -> PlaceRef | None:
        """Canonical place for a name or alias (李家庄 → 李家庄村), or None if unknown."""
        name = name.strip()
        if name == self.district:
            return PlaceRef(self.district, "district", "区", None)
        for division in self.divisions:
            if name == division.name or name in division.aliases:
                return PlaceRef(division.name, "division", division.kind, division.name)
            for place in division.places:
                if name == place.name or name in place.aliases:
                    return PlaceRef(place.name, "place", place.kind, division.name)
        return None

    def find_in(self, text: str) -> PlaceRef | None:
        """The most specific place a resident's words mention: 桃源镇杏花村 → 杏花村 (a village
        before its town, a longer name before a shorter one); None when none is mentioned."""
        mentioned = [name for name in self._all_names() if name and name in text]
        refs = [ref for ref in map(self.resolve, sorted(mentioned, key=len, reverse=True)) if ref is not None]
        level = {"place": 0, "division": 1, "district": 2}
        return min(refs, key=lambda ref: level[ref.level], default=None)

    def division(self, name: str) -> Division:
        for division in self.divisions:
            if division.name == name:
                return division
        raise KeyError(f"no division named {name!r} in the gazetteer")

    @property
    def places(self) -> list[PlaceRef]:
        """Every village and community, with its division."""
        return [
            PlaceRef(place.name, "place", place.kind, division.name)
            for division in self.divisions
            for place in division.places
        ]

    def check_names(self, names: Iterable[str], owner: str) -> None:
        """Data files must use canonical gazetteer names (not aliases), so lookups stay exact."""
        for name in names:
            ref = self.resolve(name)
            if ref is None or ref.name != name:
                raise ValueError(f"{owner}: {name!r} is not a place name in the gazetteer")


# --- Opening hours ---------------------------------------------------------------------------


class TimeRange(Frozen):
    """A span of one day in minutes since midnight, written "08:30-12:00" in the data."""

    start: int = Field(ge=0, le=24 * 60)
    end: int = Field(ge=0, le=24 * 60)

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        match = _TIME_RANGE.match(value.strip())
        if not match:
            raise ValueError(f"time range must look like 08:30-12:00, got {value!r}")
        sh, sm, eh, em, h24, m24 = match.groups()
        return {"start": int(sh) * 60 + int(sm), "end": int(eh or h24) * 60 + int(em or m24)}

    @model_validator(mode="after")
    def _ordered(self) -> TimeRange:
        if self.start >= self.end:
            raise ValueError(f"time range {self} ends before it starts")
        return self

    def __str__(self) -> str:
        return f"{self.start // 60:02d}:{self.start % 60:02d}-{self.end // 60:02d}:{self.end % 60:02d}"

    def contains(self, minute: int) -> bool:
        return self.start <= minute < self.end


class WeeklyHours(Frozen):
    days: list[Weekday] = Field(min_length=1)
    times: list[TimeRange] = Field(min_length=1)


def ranges_by_day(weekly: Iterable[WeeklyHours]) -> dict[int, list[TimeRange]]:
    """Weekday index → its time ranges in order; overlapping ranges on one day are an error."""
    by_day: dict[int, list[TimeRange]] = {}
    for block in weekly:
        for day_name in block.days:
            by_day.setdefault(WEEKDAYS.index(day_name), []).extend(block.times)
    for day, ranges in by_day.items():
        ranges.sort(key=lambda r: r.start)
        for earlier, later in pairwise(ranges):
            if later.start < earlier.end:
                raise ValueError(f"overlapping hours on {WEEKDAYS[day]}: {earlier} and {later}")
    return by_day


class Hours(Frozen):
    text: str = Field(min_length=1)  # what residents read, e.g. 周一至周五 8:30—12:00
    weekly: list[WeeklyHours] = Field(min_length=1)

    @model_validator(mode="after")
    def _well_formed(self) -> Hours:
        ranges_by_day(self.weekly)
        return self

    def on(self, weekday: int) -> list[TimeRange]:
        return ranges_by_day(self.weekly).get(weekday, [])

    def is_open(self, at: datetime) -> bool:
        minute = at.hour * 60 + at.minute
        return any(r.contains(minute) for r in self.on(at.weekday()))


# --- Offices ---------------------------------------------------------------------------------


class Office(Frozen):
    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1)
    kind: OfficeKind
    address: str = Field(min_length=1)
    phone: str = Field(pattern=r"^\d{3,4}-\d{7,8}$")
    hotline: str | None = Field(default=None, pattern=r"^\d{3,5}$")  # 12348, 110, ...
    hours: Hours
    services: list[str] = Field(min_length=1)
    places: list[str] = Field(min_length=1)  # gazetteer names: the district, divisions, villages

    @property
    def hours_text(self) -> str:
        return self.hours.text

    @property
    def is_service_point(self) -> bool:
        return self.kind == SERVICE_POINT


class DisplayTemplates(Frozen):
    line: str  # {name} {address} {hours} {phones}
    phone_with_hotline: str  # {phone} {hotline}


class OfficesFile(Frozen):
    display: DisplayTemplates
    offices: list[Office] = Field(min_length=1)


class Offices:
    def __init__(self, data: OfficesFile, gazetteer: Gazetteer):
        self._data = data
        self._gazetteer = gazetteer
        unique_ids("office", (office.id for office in data.offices))
        self._by_id = {office.id: office for office in data.offices}
        missing = [office_id for office_id in REQUIRED_OFFICE_IDS if office_id not in self._by_id]
        if missing:
            raise ValueError(f"required office ids missing: {missing}")
        served_by: dict[str, str] = {}
        for office in data.offices:
            gazetteer.check_names(office.places, office.id)
            if not office.is_service_point:
                continue
            for place in office.places:
                ref = gazetteer.resolve(place)
                if ref is None or ref.level != "place":
                    raise ValueError(f"{office.id}: a service point serves villages and communities, not {place!r}")
                if place in served_by:
                    raise ValueError(f"{place} is served by two service points: {served_by[place]} and {office.id}")
                served_by[place] = office.id
        if not served_by:
            raise ValueError("no service points (kind service_point)")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], gazetteer: Gazetteer | None = None) -> Offices:
        return cls(OfficesFile.model_validate(data), gazetteer or Gazetteer.load())

    @classmethod
    def load(cls, path: Path = OFFICES_FILE, gazetteer: Gazetteer | None = None) -> Offices:
        with naming(path):  # the checks against the gazetteer name this file too
            return cls.from_dict(read_yaml(path), gazetteer)

    @property
    def gazetteer(self) -> Gazetteer:
        return self._gazetteer

    @property
    def all(self) -> list[Office]:
        return list(self._data.offices)

    @property
    def service_points(self) -> list[Office]:
        return [office for office in self._data.offices if office.is_service_point]

    def get(self, office_id: str) -> Office:
        try:
            return self._by_id[office_id]
        except KeyError:
            raise KeyError(f"no office with id {office_id!r} (known: {', '.join(self._by_id)})") from None

    def __contains__(self, office_id: object) -> bool:
        return office_id in self._by_id

    def for_place(self, place: str) -> list[Office]:
        """Offices serving a place, service points first, then in file order.

        A village or community (name or alias) matches offices serving it or its street/town,
        so its service point comes first and the justice office after; a street/town matches
        offices serving it or any of its villages. District-wide offices are not repeated here
        (they serve everyone: see `all`). An unknown name gives an empty list.
        """
        ref = self._gazetteer.resolve(place)
        if ref is None:
            return []
        names = {ref.name}
        if ref.level == "place" and ref.division:
            names.add(ref.division)
        elif ref.level == "division":
            names.update(p.name for p in self._gazetteer.division(ref.name).places)
        matches = [office for office in self._data.offices if names & set(office.places)]
        return sorted(matches, key=lambda office: not office.is_service_point)

    def display(self, office_id: str) -> str:
        """One line for residents: 名称（地址；开放时间；电话）."""
        office = self.get(office_id)
        templates = self._data.display
        phones = office.phone
        if office.hotline:
            phones = templates.phone_with_hotline.format(phone=office.phone, hotline=office.hotline)
        return templates.line.format(name=office.name, address=office.address, hours=office.hours.text, phones=phones)

    def is_open(self, office_id: str, at: datetime) -> bool:
        """Open at this naive local time by the weekly hours (holidays not modelled)."""
        return self.get(office_id).hours.is_open(at)
