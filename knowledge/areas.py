"""The consultation-area taxonomy, read from data/areas.yml."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import BaseModel, model_validator

from knowledge.datafile import DATA_DIR, load_yaml_model

AREAS_FILE = DATA_DIR / "areas.yml"


class AreaTaxonomy(BaseModel):
    areas: list[str]
    placement: dict[str, str]  # sub-area without an area of its own → the area it sits under

    @model_validator(mode="after")
    def _placements_point_at_areas(self) -> AreaTaxonomy:
        if len(self.areas) != 20 or len(set(self.areas)) != 20:
            raise ValueError("the taxonomy has exactly twenty distinct areas")
        unknown = {area for area in self.placement.values() if area not in self.areas}
        if unknown:
            raise ValueError(f"placement points at unknown areas: {sorted(unknown)}")
        return self


@cache
def load_taxonomy(path: Path = AREAS_FILE) -> AreaTaxonomy:
    return load_yaml_model(AreaTaxonomy, path)


def known_area(area: str) -> str:
    """Validator for a model's `area` field: one of the twenty (field_validator("area")(known_area))."""
    if area not in load_taxonomy().areas:
        raise ValueError(f"unknown consultation area: {area}")
    return area
