"""Where personal data lives (personal_data.yml), validated when first read."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, field_validator

from casebook.models import Case
from knowledge.datafile import load_yaml_model

DATA_FILE = Path(__file__).with_name("personal_data.yml")
SQL_NAME = re.compile(r"[a-z_][a-z0-9_]*")


class Rows(BaseModel):
    """A table whose rows belong to one conversation, found by `column`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    table: str
    column: str

    @field_validator("table", "column")
    @classmethod
    def _sql_name(cls, name: str) -> str:
        # The names go into SQL statements: plain identifiers only.
        if not SQL_NAME.fullmatch(name):
            raise ValueError(f"not a plain SQL name: {name!r}")
        return name


class PersonalData(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    conversation_rows: tuple[Rows, ...]
    forgotten_rows: tuple[Rows, ...]
    case_columns_cleared: tuple[str, ...]
    case_details_kept: frozenset[str]

    @field_validator("case_columns_cleared")
    @classmethod
    def _case_columns(cls, columns: tuple[str, ...]) -> tuple[str, ...]:
        unknown = set(columns) - set(Case.model_fields)
        if unknown:
            raise ValueError(f"not columns of cases: {sorted(unknown)}")
        return columns


@cache
def personal_data() -> PersonalData:
    return load_yaml_model(PersonalData, DATA_FILE)
