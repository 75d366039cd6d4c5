"""Staff roles (roles.yml): which cases each role sees, whether it sees personal data in clear,
and which changes it may make (each write action is a permission of its own)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.console.personal import mask_word
from casebook.models import CaseKind
from casebook.services.redaction import mask_personal_data
from knowledge.datafile import load_yaml_model, naming

ROLES_FILE = Path(__file__).parent / "roles.yml"
ROLE_ID = r"^[a-z][a-z_]{1,31}$"

Permission = Literal[
    "change_status",
    "assign",
    "add_notes",
    "take_over",
    "message_residents",
    "export_personal_data",
    "edit_knowledge",
    "approve_knowledge",
]
PERMISSIONS: tuple[Permission, ...] = get_args(Permission)
# A person at the other end types personal data to whoever answers, and an export in clear is
# personal data in bulk: these need a role that sees personal data anyway.
NEEDS_PERSONAL_DATA: frozenset[Permission] = frozenset({"take_over", "message_residents", "export_personal_data"})


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
    permissions: frozenset[Permission] = frozenset()

    def sees(self, kind: CaseKind | str) -> bool:
        return kind in self.kinds

    def may(self, permission: Permission) -> bool:
        return permission in self.permissions

    @property
    def works_knowledge(self) -> bool:
        """Writes or reviews the office's own knowledge entries (their pages are open to it)."""
        return self.may("edit_knowledge") or self.may("approve_knowledge")

    def exporting(self) -> Role:
        """The role as the CSV export sees it: names and phones in clear only with export_personal_data."""
        return self if self.may("export_personal_data") else self.model_copy(update={"personal_data": False})

    def name(self, name: str | None) -> str | None:
        return name if self.personal_data or name is None else mask_word(name)

    def phone(self, phone: str | None) -> str | None:
        return phone if self.personal_data or phone is None else mask_phone(phone)

    def text(self, text: str, *, names: tuple[str | None, ...] = ()) -> str:
        """Free text (transcript, details, notes): phone and ID numbers, and the given names, masked."""
        if self.personal_data:
            return text
        for name in names:
            if name:
                text = text.replace(name, mask_word(name))
        return mask_personal_data(text)


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
    kinds: list[CaseKind]  # empty for a role that works no cases (a knowledge reviewer)
    personal_data: bool
    knowledge_gaps: bool
    audit: bool
    statistics: bool
    assign_others: bool
    permissions: list[Permission]

    @model_validator(mode="after")
    def _consistent(self) -> _RoleData:
        if not self.personal_data and (needing := NEEDS_PERSONAL_DATA.intersection(self.permissions)):
            raise ValueError(f"{sorted(needing)} need personal_data: true")
        if self.assign_others and "assign" not in self.permissions:
            raise ValueError("assign_others needs the assign permission")
        if "message_residents" in self.permissions and "take_over" not in self.permissions:
            raise ValueError("message_residents needs take_over (a message joins the conversation)")
        return self


class _RolesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    roles: dict[str, _RoleData] = Field(min_length=1)


class Roles:
    def __init__(self, roles: dict[str, Role]):
        self._roles = roles

    @classmethod
    def load(cls, path: Path = ROLES_FILE) -> Roles:
        with naming(path):
            data = load_yaml_model(_RolesFile, path)
            roles = {
                role_id: Role(
                    id=role_id,
                    **{**item.model_dump(), "kinds": frozenset(item.kinds), "permissions": frozenset(item.permissions)},
                )
                for role_id, item in data.roles.items()
            }
            if not any(role.audit for role in roles.values()):
                raise ValueError("at least one role must be able to read the audit log")
        return cls(roles)

    def get(self, role_id: str) -> Role | None:
        return self._roles.get(role_id)

    def __contains__(self, role_id: object) -> bool:
        return role_id in self._roles

    def __iter__(self) -> Iterator[Role]:
        return iter(self._roles.values())

    def ids(self) -> list[str]:
        return list(self._roles)
