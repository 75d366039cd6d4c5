"""Safety and service cues found anywhere in a message, from the patterns in data/cues.yml."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from knowledge.datafile import DATA_DIR, load_yaml_model
from knowledge.matching import compact

CUES_FILE = DATA_DIR / "cues.yml"

SafetyCue = Literal["violence", "threat", "self_harm", "detained", "deadline"]
ServiceCue = Literal["legal_aid", "mediation", "notarization", "lawyer"]
SAFETY_CUES: tuple[SafetyCue, ...] = ("violence", "threat", "self_harm", "detained", "deadline")
SERVICE_CUES: tuple[ServiceCue, ...] = ("legal_aid", "mediation", "notarization", "lawyer")
# Danger now (not a detained relative or a near deadline, whose advice comes first all the same):
# these open a danger case for staff and are heard even inside a service form.
DANGER_CUES: tuple[SafetyCue, ...] = ("violence", "threat", "self_harm")


class CuePatterns(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    patterns: list[str] = Field(min_length=1)
    ignore: list[str] = Field(default_factory=list)

    @field_validator("patterns", "ignore")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValueError(f"bad pattern {pattern!r}: {error}") from error
        return patterns

    def found_in(self, folded: str) -> bool:
        for pattern in self.ignore:
            folded = re.sub(pattern, "·", folded)  # a mark, so the text either side does not join up
        return any(re.search(pattern, folded) for pattern in self.patterns)


class CueBook(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    safety: dict[SafetyCue, CuePatterns]
    services: dict[ServiceCue, CuePatterns]

    @field_validator("safety", "services")
    @classmethod
    def _complete(cls, cues: dict[str, CuePatterns], info: object) -> dict[str, CuePatterns]:
        expected = SAFETY_CUES if getattr(info, "field_name", "") == "safety" else SERVICE_CUES
        missing = set(expected) - set(cues)
        if missing:
            raise ValueError(f"cues.yml has no patterns for {sorted(missing)}")
        return cues

    @classmethod
    def load(cls, path: Path = CUES_FILE) -> CueBook:
        return load_yaml_model(cls, path)

    def safety_in(self, text: str) -> list[SafetyCue]:
        folded = compact(text)
        return [cue for cue in SAFETY_CUES if self.safety[cue].found_in(folded)]

    def services_in(self, text: str) -> list[ServiceCue]:
        folded = compact(text)
        return [cue for cue in SERVICE_CUES if self.services[cue].found_in(folded)]


@cache
def load_cues() -> CueBook:
    return CueBook.load()
