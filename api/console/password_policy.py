"""Which passwords are too weak for a staff account (password_policy.yml)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from knowledge.datafile import naming, read_yaml

POLICY_FILE = Path(__file__).parent / "password_policy.yml"
MIN_PASSWORD_CHARS = 12
# What people add around a common word to pass a length rule: digits and punctuation.
_PADDING = re.compile(r"^[\d\W_]*(.*?)[\d\W_]*$", re.S)


class PasswordPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    common: frozenset[str] = Field(min_length=1)
    sequences: tuple[str, ...] = Field(min_length=1)

    @classmethod
    def load(cls, path: Path = POLICY_FILE) -> PasswordPolicy:
        data = read_yaml(path)
        with naming(path):
            if not isinstance(data, dict) or not all(
                isinstance(data.get(key), list) for key in ("common", "sequences")
            ):
                raise ValueError("needs the lists `common` and `sequences`")
            return cls(
                common=frozenset(str(word).lower() for word in data["common"]),
                sequences=tuple(str(run).lower() for run in data["sequences"]),
            )

    def is_weak(self, password: str, *, username: str = "") -> bool:
        """Short, one repeated character, the username, a common password padded with digits or
        punctuation, or a stretch of the keyboard or the alphabet."""
        lowered = password.lower()
        if len(password) < MIN_PASSWORD_CHARS or len(set(password)) < 2:
            return True
        if username and username.lower() in lowered:
            return True
        match = _PADDING.match(lowered)
        stem = match.group(1) if match else lowered
        if lowered in self.common or stem in self.common or not stem:
            return True
        return any(lowered in run for run in self.sequences)


@cache
def password_policy() -> PasswordPolicy:
    return PasswordPolicy.load()
