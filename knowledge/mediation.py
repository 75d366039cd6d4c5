"""People's mediation rules for the district: dispute types, what mediation does not take,
which committee a dispute goes to, and the texts residents must hear (data/district/mediation.yml).

Routing order (`MediationRules.route`), most specific first:
  1. a trade committee that takes the dispute type and covers the place (its village or
     community, its street/town, or the whole district);
  2. the village or community committee of the place;
  3. the street or town committee of the place's division;
  4. the justice office's mediation window, which takes every type from anywhere.
Without a known place only district-wide trade committees can match step 1, then step 4.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from knowledge.areas import known_area
from knowledge.datafile import Frozen, naming, read_yaml, unique_ids
from knowledge.entries import Citation
from knowledge.matching import compact
from knowledge.offices import DISTRICT_DIR, ID_PATTERN, Hours, Offices, PlaceRef

logger = logging.getLogger(__name__)

MEDIATION_FILE = DISTRICT_DIR / "mediation.yml"

CommitteeKind = Literal["trade", "division", "community", "village", "office"]


def _labels(citations: list[Citation]) -> str:
    """《人民调解法》第三条、第二十六条: each law named once, articles in the order cited."""
    by_law: dict[str, list[str]] = {}
    for citation in citations:
        articles = by_law.setdefault(citation.law, [])
        if citation.article not in articles:
            articles.append(citation.article)
    return "、".join(f"《{law}》" + "、".join(articles) for law, articles in by_law.items())


class DisputeType(Frozen):
    id: str = Field(pattern=ID_PATTERN)
    title: str = Field(min_length=1)
    area: str  # the consultation area it sits under (data/areas.yml)
    keywords: list[str]  # colloquial words that suggest this type; empty for the fallback type
    note: str | None = None  # extra advice for this type (its own limits or other routes)
    citations: list[Citation] = Field(default_factory=list)

    _known_area = field_validator("area")(known_area)

    @model_validator(mode="after")
    def _note_is_grounded(self) -> DisputeType:
        if self.citations and not self.note:
            raise ValueError(f"{self.id}: citations without a note to support")
        return self


class Exclusion(Frozen):
    """A matter people's mediation does not take, and where to go instead."""

    id: str = Field(pattern=ID_PATTERN)
    title: str = Field(min_length=1)
    keywords: list[str] = Field(min_length=1)
    reason: str = Field(min_length=1)
    advice: str = Field(min_length=1)
    go_to: str  # an office id in offices.yml
    citations: list[Citation] = Field(min_length=1)


class CommitteeSpec(Frozen):
    """A committee as written in the data: its own contact details, or an office it sits at."""

    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1)
    kind: CommitteeKind
    address: str | None = None
    phone: str | None = Field(default=None, pattern=r"^\d{3,4}-\d{7,8}$")
    hours: Hours | None = None
    office: str | None = None
    dispute_types: list[str] | Literal["all"] = "all"
    places: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _contact_and_types(self) -> CommitteeSpec:
        own = (self.address, self.phone, self.hours)
        if self.office is None and None in own:
            raise ValueError(f"{self.id}: give address, phone and hours, or the office it sits at")
        if self.office is not None and any(value is not None for value in own):
            raise ValueError(f"{self.id}: a committee at an office takes its contact details from the office")
        if self.kind == "trade" and (self.dispute_types == "all" or not self.dispute_types):
            raise ValueError(f"{self.id}: a trade committee lists the dispute types it takes")
        if self.kind == "office" and self.dispute_types != "all":
            raise ValueError(f"{self.id}: the justice office's committee is the last resort and takes all types")
        return self


@dataclass(frozen=True)
class Committee:
    """A committee with its contact details resolved (from its own data or its office)."""

    id: str
    name: str
    kind: CommitteeKind
    address: str
    phone: str
    hours: Hours
    dispute_types: tuple[str, ...] | None  # None: every type
    places: tuple[str, ...]
    office: str | None = None

    def takes(self, dispute_type: str) -> bool:
        return self.dispute_types is None or dispute_type in self.dispute_types


class Timeline(Frozen):
    days: int = Field(ge=1, le=365)
    extendable_by_agreement: bool
    text: str = Field(min_length=1)


class InfoPoint(Frozen):
    text: str = Field(min_length=1)
    citations: list[Citation] = Field(min_length=1)


class Info(Frozen):
    heading: str
    point: str  # template: {text} {citations}
    plain_point: str  # template: {text}, for the timeline (practice, no article)
    points: list[InfoPoint] = Field(min_length=1)


class MediationTexts(Frozen):
    routing: str  # {name} {address} {hours} {phone}
    routing_note: str  # {note}
    exclusion: str  # {reason} {advice} {office}


class MediationFile(Frozen):
    timeline: Timeline
    info: Info
    texts: MediationTexts
    dispute_types: list[DisputeType] = Field(min_length=1)
    exclusions: list[Exclusion] = Field(min_length=1)
    shared_hours: dict[str, Hours] = Field(default_factory=dict)  # YAML anchors for committees
    committees: list[CommitteeSpec] = Field(min_length=1)


class MediationRules:
    def __init__(self, data: MediationFile, offices: Offices):
        self._data = data
        self._offices = offices
        self._gazetteer = offices.gazetteer
        unique_ids("dispute type", (t.id for t in data.dispute_types))
        unique_ids("exclusion", (e.id for e in data.exclusions))
        unique_ids("committee", (c.id for c in data.committees))
        self._types = {t.id: t for t in data.dispute_types}
        for exclusion in data.exclusions:
            if exclusion.go_to not in offices:
                raise ValueError(f"exclusion {exclusion.id}: unknown office {exclusion.go_to!r}")
        self._committees = [self._resolve(spec) for spec in data.committees]
        self._check_coverage()

    def _resolve(self, spec: CommitteeSpec) -> Committee:
        self._gazetteer.check_names(spec.places, spec.id)
        if spec.dispute_types != "all":
            unknown = [t for t in spec.dispute_types if t not in self._types]
            if unknown:
                raise ValueError(f"{spec.id}: unknown dispute types {unknown}")
        expected = {"division": "division", "community": "社区", "village": "村"}.get(spec.kind)
        for name in spec.places:
            ref = self._gazetteer.resolve(name)
            assert ref is not None  # check_names above
            if expected == "division" and ref.level != "division":
                raise ValueError(f"{spec.id}: a street/town committee serves a street or town, not {name}")
            if expected in ("社区", "村") and (ref.level != "place" or ref.kind != expected):
                raise ValueError(f"{spec.id}: a {spec.kind} committee serves a {expected}, not {name}")
        if spec.office is not None:
            if spec.office not in self._offices:
                raise ValueError(f"{spec.id}: unknown office {spec.office!r}")
            office = self._offices.get(spec.office)
            address, phone, hours = office.address, office.phone, office.hours
        else:
            assert spec.address is not None and spec.phone is not None and spec.hours is not None
            address, phone, hours = spec.address, spec.phone, spec.hours
        types = None if spec.dispute_types == "all" else tuple(spec.dispute_types)
        return Committee(spec.id, spec.name, spec.kind, address, phone, hours, types, tuple(spec.places), spec.office)

    def _check_coverage(self) -> None:
        office_committees = [c for c in self._committees if c.kind == "office"]
        if len(office_committees) != 1:
            raise ValueError("exactly one committee of kind office (the justice office's window) is needed")
        for division in self._gazetteer.divisions:
            ours = [c.id for c in self._committees if c.kind == "division" and division.name in c.places]
            if len(ours) != 1:
                raise ValueError(f"{division.name} needs exactly one street/town committee, has {ours}")
        local: dict[str, str] = {}
        for committee in self._committees:
            if committee.kind not in ("village", "community"):
                continue
            for place in committee.places:
                if place in local:
                    raise ValueError(f"{place} has two local committees: {local[place]} and {committee.id}")
                local[place] = committee.id

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], offices: Offices | None = None) -> MediationRules:
        return cls(MediationFile.model_validate(data), offices or Offices.load())

    @classmethod
    def load(cls, path: Path = MEDIATION_FILE, offices: Offices | None = None) -> MediationRules:
        with naming(path):
            return cls.from_dict(read_yaml(path), offices)

    # --- data ---------------------------------------------------------------------------------

    @property
    def offices(self) -> Offices:
        return self._offices

    @property
    def dispute_types(self) -> list[DisputeType]:
        return list(self._data.dispute_types)

    def dispute_type(self, type_id: str) -> DisputeType:
        try:
            return self._types[type_id]
        except KeyError:
            raise KeyError(f"no dispute type {type_id!r} (known: {', '.join(self._types)})") from None

    @property
    def exclusions(self) -> list[Exclusion]:
        return list(self._data.exclusions)

    @property
    def committees(self) -> list[Committee]:
        return list(self._committees)

    def committee(self, committee_id: str) -> Committee:
        for committee in self._committees:
            if committee.id == committee_id:
                return committee
        raise KeyError(f"no mediation committee {committee_id!r}")

    @property
    def timeline_days(self) -> int:
        return self._data.timeline.days

    @property
    def timeline(self) -> Timeline:
        return self._data.timeline

    def citations(self) -> list[tuple[str, Citation]]:
        """Every citation in the data with where it is used, for the statute checks."""
        found = [(f"info: {p.text[:12]}", c) for p in self._data.info.points for c in p.citations]
        found += [(f"dispute type {t.id}", c) for t in self._data.dispute_types for c in t.citations]
        found += [(f"exclusion {e.id}", c) for e in self._data.exclusions for c in e.citations]
        return found

    # --- matching -----------------------------------------------------------------------------

    def match_dispute_type(self, text: str) -> str | None:
        """The type whose keywords cover most of the text (characters matched); ties go to the
        type listed first. None when no keyword appears: the caller may ask, or use "other"."""
        text = compact(text)
        best: tuple[int, str] | None = None
        for dispute_type in self._data.dispute_types:
            score = sum(len(k) for k in dispute_type.keywords if k in text)
            if score and (best is None or score > best[0]):
                best = (score, dispute_type.id)
        return best[1] if best else None

    def check_exclusion(self, text: str) -> Exclusion | None:
        """The first matter-not-for-mediation whose keywords appear in the text, if any."""
        text = compact(text)
        for exclusion in self._data.exclusions:
            if any(keyword in text for keyword in exclusion.keywords):
                return exclusion
        return None

    # --- routing ------------------------------------------------------------------------------

    def _scope(self, place: str | None) -> tuple[PlaceRef | None, set[str]]:
        """The resolved place and the names a committee may list to cover it."""
        district = self._gazetteer.district
        if place is None:
            return None, {district}
        ref = self._gazetteer.resolve(place)
        if ref is None:
            logger.info("mediation routing: place not in the gazetteer, routing without it")
            return None, {district}
        return ref, {name for name in (ref.name, ref.division, district) if name}

    def route(self, dispute_type: str, place: str | None = None) -> Committee:
        """The committee for this dispute type and place (order in the module docstring).

        `place` is a gazetteer name or alias; an unknown or missing place routes as if the
        resident had not said where they live. An unknown dispute type raises KeyError.
        """
        self.dispute_type(dispute_type)
        ref, scope = self._scope(place)
        for committee in self._committees:
            if committee.kind == "trade" and committee.takes(dispute_type) and scope & set(committee.places):
                return committee
        if ref is not None:
            for kinds, name in ((("village", "community"), ref.name), (("division",), ref.division)):
                for committee in self._committees:
                    if committee.kind in kinds and name in committee.places and committee.takes(dispute_type):
                        return committee
        return next(c for c in self._committees if c.kind == "office")

    # --- texts --------------------------------------------------------------------------------

    def info_text(self) -> str:
        """Voluntary, free, no bar to other routes, refusal stops it, binding agreement,
        judicial confirmation: each point with its articles; then the usual time limit."""
        info = self._data.info
        lines = [info.heading]
        lines += [info.point.format(text=p.text, citations=_labels(p.citations)) for p in info.points]
        lines.append(info.plain_point.format(text=self._data.timeline.text))
        return "\n".join(lines)

    def routing_text(self, committee: Committee, dispute_type: str | None = None) -> str:
        """Where and when to apply; with a dispute type, that type's own advice is added."""
        texts = self._data.texts
        text = texts.routing.format(
            name=committee.name, address=committee.address, hours=committee.hours.text, phone=committee.phone
        )
        note = self.dispute_type(dispute_type).note if dispute_type else None
        if note:
            text += texts.routing_note.format(note=note)
        return text

    def exclusion_text(self, exclusion: Exclusion) -> str:
        """Why mediation cannot take it, what to do, and the office to go to."""
        return self._data.texts.exclusion.format(
            reason=exclusion.reason, advice=exclusion.advice, office=self._offices.display(exclusion.go_to)
        )
