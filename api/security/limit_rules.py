"""The rate limits and their wording (limits.yml), checked when the API starts."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, PositiveInt, field_validator, model_validator

from knowledge.datafile import load_yaml_model

LIMITS_FILE = Path(__file__).parent / "limits.yml"
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "*"}


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LimitTexts(_Frozen):
    too_many: str
    too_large: str
    too_many_logins: str


class Rule(_Frozen):
    """A token bucket: `burst` requests at once, refilled at `per_minute`."""

    name: str = ""
    burst: PositiveInt
    per_minute: PositiveFloat
    # The 429's detail: a key of LimitTexts.
    message: Literal["too_many", "too_many_logins"] = "too_many"

    @property
    def interval_ms(self) -> int:
        """Milliseconds between two tokens; whole numbers so every store computes alike."""
        return max(1, round(60_000 / self.per_minute))


class Route(_Frozen):
    method: str
    path: str
    prefix: bool

    @classmethod
    def parse(cls, spec: str) -> Route:
        method, _, path = spec.partition(" ")
        if method not in METHODS or not path.startswith("/"):
            raise ValueError(f"a route is 'METHOD /path' or 'METHOD /prefix/*', not {spec!r}")
        return cls(method=method, path=path.removesuffix("*"), prefix=path.endswith("*"))

    def matches(self, method: str, path: str) -> bool:
        # Starlette answers HEAD with the GET route, so HEAD counts as GET.
        if self.method != "*" and method != self.method and not (method == "HEAD" and self.method == "GET"):
            return False
        return path.startswith(self.path) if self.prefix else path == self.path


class EdgeRule(Rule):
    routes: tuple[Route, ...] = Field(min_length=1)
    # Requests of one client this API process works on at once; more are refused at once. A page
    # sends one message at a time, so this costs residents nothing, while a flood gets one turn
    # of the dialogue engine at a time instead of a burst of them (docs/limits.md).
    in_flight: PositiveInt | None = None

    @field_validator("routes", mode="before")
    @classmethod
    def _parse_routes(cls, value: object) -> object:
        if isinstance(value, list):
            return tuple(Route.parse(spec) if isinstance(spec, str) else spec for spec in value)
        return value


class ConversationRules(_Frozen):
    chat: Rule
    transcript: Rule


class LimitRules(_Frozen):
    messages: LimitTexts
    per_client: tuple[EdgeRule, ...]
    per_conversation: ConversationRules

    @model_validator(mode="before")
    @classmethod
    def _name_rules(cls, data: object) -> object:
        """In the file rules are keyed by name; each rule keeps its name (it prefixes the store's keys)."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if isinstance(data.get("per_client"), dict):
            data["per_client"] = [{"name": f"client.{k}", **v} for k, v in data["per_client"].items()]
        if isinstance(data.get("per_conversation"), dict):
            data["per_conversation"] = {
                k: {"name": f"conversation.{k}", **v} for k, v in data["per_conversation"].items()
            }
        return data

    def for_request(self, method: str, path: str) -> EdgeRule | None:
        return next((rule for rule in self.per_client if any(r.matches(method, path) for r in rule.routes)), None)

    def detail(self, rule: Rule) -> str:
        text: str = getattr(self.messages, rule.message)
        return text

    @classmethod
    def load(cls, path: Path = LIMITS_FILE) -> LimitRules:
        return load_yaml_model(cls, path)


@cache
def limit_rules() -> LimitRules:
    return LimitRules.load()
