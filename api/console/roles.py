"""Staff roles (roles.yml): which cases each role sees and whether it sees personal data in clear."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from api.models import CaseKind
from api.services.redaction import mask_personal_data

ROLES_FILE = Path(__file__).parent / "roles.yml"
ROLE_ID = r"^[a-z][a-z_]{1,31}$"


class Role(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=ROLE_ID)
    title: str = Field(min_length=1)
    description: str = Field(min_length=1)
    kinds: frozenset[CaseKind]
    personal_data: bool
    knowledge_gaps: bool
    audit: bool
    statistics: bool
    assign_others: bool

    def sees(self, kind: CaseKind | str) -> bool:
        return kind in self.kinds

    def name(self, name: str | None) -> str | None:
        return name if self.personal_data or name is None else mask_name(name)

    def phone(self, phone: str | None) -> str | None:
        return phone if self.personal_data or phone is None else mask_phone(phone)

    def text(self, text: str, *, names: tuple[str | None, ...] = ()) -> str:
        """Free text (transcript, details, notes): phone and ID numbers, and the given names, masked."""
        if self.personal_data:
            return text
        for name in names:
            if name:
                text = text.replace(name, mask_name(name))
        return mask_personal_data(text)


def mask_name(name: str) -> str:
    """王小明 → 王**: the family name stays so staff can still address the person."""
    name = name.strip()
    return name[:1] + "*" * max(len(name) - 1, 1) if len(name) > 1 else "*"


def mask_phone(phone: str) -> str:
    """13800138000 → 138****8000; short or odd numbers keep only their last two digits."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) >= 8:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    return "*" * max(len(digits) - 2, 1) + digits[-2:]


class _RoleData(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str
    description: str
    kinds: list[CaseKind] = Field(min_length=1)
    personal_data: bool
    knowledge_gaps: bool
    audit: bool
    statistics: bool
    assign_others: bool


class _RolesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    roles: dict[str, _RoleData] = Field(min_length=1)


class Roles:
    def __init__(self, roles: dict[str, Role]):
        self._roles = roles

    @classmethod
    def load(cls, path: Path = ROLES_FILE) -> Roles:
        try:
            data = _RolesFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
            roles = {
                role_id: Role(id=role_id, **{**item.model_dump(), "kinds": frozenset(item.kinds)})
                for role_id, item in data.roles.items()
            }
        except (ValueError, yaml.YAMLError) as error:  # pydantic's ValidationError is a ValueError
            raise ValueError(f"{path.name}: {error}") from error
        if not any(role.audit for role in roles.values()):
            raise ValueError(f"{path.name}: at least one role must be able to read the audit log")
        return cls(roles)

    def get(self, role_id: str) -> Role | None:
        return self._roles.get(role_id)

    def __contains__(self, role_id: object) -> bool:
        return role_id in self._roles

    def __iter__(self) -> Iterator[Role]:
        return iter(self._roles.values())

    def ids(self) -> list[str]:
        return list(self._roles)
