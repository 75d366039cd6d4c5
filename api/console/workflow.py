"""How a case moves (new → accepted → in progress → closed, or not accepted with a reason), the
outcome a close records, and the deadlines shown beside it (workflow.yml)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from casebook.clock import as_utc
from casebook.models import CaseKind, CaseStatus
from knowledge.datafile import load_yaml_model
from knowledge.entries import Citation

WORKFLOW_FILE = Path(__file__).parent / "workflow.yml"
OPEN_STATUSES = frozenset({CaseStatus.new, CaseStatus.accepted, CaseStatus.in_progress})
REASON_MIN_CHARS = 2
REASON_MAX_CHARS = 500

DeadlineState = Literal["ok", "near", "overdue", "met", "waiting"]
OUTCOME_ID = r"^[a-z][a-z_]{1,31}$"
# The statistics count the outcomes of these kinds (mediation success rate, legal-aid decisions).
COUNTED_OUTCOMES = frozenset({CaseKind.mediation, CaseKind.legal_aid})


class Deadline(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    days: int = Field(ge=1, le=365)
    starts: Literal["created", "accepted"]
    met_by: frozenset[CaseStatus] = Field(min_length=1)
    title: str = Field(min_length=1)
    basis: str = Field(min_length=1)
    citation: Citation | None = None  # None: the office's practice, not a statutory limit


class OutcomeChoice(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str = Field(min_length=1)
    success: bool = False  # counts towards the kind's success rate in the statistics
    hint: str = Field(min_length=1)
    citation: Citation | None = None


class Outcomes(BaseModel):
    """What closing a case of one kind must record, e.g. 调解成功 / 调解不成."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1)
    missing: str = Field(min_length=1)  # the refusal when a close comes without a valid choice
    choices: dict[str, OutcomeChoice] = Field(min_length=2)

    @model_validator(mode="after")
    def _ids(self) -> Outcomes:
        for key in self.choices:
            if not re.match(OUTCOME_ID, key):
                raise ValueError(f"outcome id {key!r} must match {OUTCOME_ID}")
        if not any(choice.success for choice in self.choices.values()):
            raise ValueError(f"{self.title}: one choice must be marked success")
        return self

    def label(self, key: str | None) -> str | None:
        choice = self.choices.get(key or "")
        return choice.label if choice else None


class StatisticsColumns(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    month: str
    cases: str
    area: str = Field(pattern=r"\{area\}")
    mediation_rate: str
    legal_aid_not_accepted: str
    messages: str
    ratings: str
    mean_score: str
    satisfied_share: str


class StatisticsLabels(BaseModel):
    """Words of the statistics page and CSV for groups without a label elsewhere in the file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    unknown_area: str = Field(min_length=1)
    other_areas: str = Field(min_length=1)  # the areas beyond the chart's largest few
    no_verdict: str = Field(min_length=1)
    pending: str = Field(min_length=1)
    unrecorded: str = Field(min_length=1)
    scores: dict[int, str]
    weekdays: list[str] = Field(min_length=7, max_length=7)
    columns: StatisticsColumns

    @model_validator(mode="after")
    def _scores(self) -> StatisticsLabels:
        if set(self.scores) != {1, 2, 3}:
            raise ValueError("statistics.scores must name exactly the ratings 1, 2 and 3")
        return self


class Workflow(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kinds: dict[CaseKind, str]
    statuses: dict[CaseStatus, str]
    transitions: dict[CaseStatus, dict[CaseStatus, str]]
    reason_required: frozenset[CaseStatus]
    near_days: int = Field(ge=0, le=30)
    deadlines: dict[CaseKind, Deadline]
    routes: dict[str, str]
    details: dict[str, str]
    hidden_details: frozenset[str]
    detail_values: dict[str, dict[str, str]]
    outcomes: dict[CaseKind, Outcomes]
    statistics: StatisticsLabels

    @model_validator(mode="after")
    def _complete(self) -> Workflow:
        for name, labels, expected in (
            ("kinds", self.kinds, set(CaseKind)),
            ("statuses", self.statuses, set(CaseStatus)),
            ("transitions", self.transitions, set(CaseStatus)),
        ):
            if set(labels) != expected:
                raise ValueError(f"{name} must list exactly {sorted(expected)}")
        for status in OPEN_STATUSES:
            if not self.transitions[status]:
                raise ValueError(f"an open case ({status}) must be able to move on")
        for status in set(CaseStatus) - OPEN_STATUSES:
            if self.transitions[status]:
                raise ValueError(f"{status} is final: a returning resident opens a new case")
        missing = COUNTED_OUTCOMES - set(self.outcomes)
        if missing:
            raise ValueError(f"outcomes must cover {sorted(missing)}: the statistics count them")
        return self

    @classmethod
    def load(cls, path: Path = WORKFLOW_FILE) -> Workflow:
        return load_yaml_model(cls, path)

    def next_statuses(self, status: CaseStatus) -> dict[CaseStatus, str]:
        """Where a case in `status` may go, with each button's words."""
        return self.transitions[status]

    def deadline(
        self,
        *,
        kind: CaseKind,
        status: CaseStatus,
        created_at: datetime,
        accepted_at: datetime | None,
        now: datetime,
    ) -> DeadlineView | None:
        rule = self.deadlines.get(kind)
        if rule is None:
            return None
        if status in rule.met_by:
            return DeadlineView(rule=rule, state="met", due=None, remaining=None)
        start = created_at if rule.starts == "created" else accepted_at
        if start is None:
            return DeadlineView(rule=rule, state="waiting", due=None, remaining=None)
        due = as_utc(start) + timedelta(days=rule.days)
        remaining = due - as_utc(now)
        state: DeadlineState = "ok"
        if remaining < timedelta(0):
            state = "overdue"
        elif remaining <= timedelta(days=self.near_days):
            state = "near"
        return DeadlineView(rule=rule, state=state, due=due, remaining=remaining)

    def urgent_since(self, kind: CaseKind, now: datetime) -> datetime | None:
        """Cases of `kind` whose deadline clock started before this moment are near or overdue."""
        rule = self.deadlines.get(kind)
        if rule is None:
            return None
        return as_utc(now) - timedelta(days=rule.days - self.near_days)


@dataclass(frozen=True)
class DeadlineView:
    rule: Deadline
    state: DeadlineState
    due: datetime | None
    remaining: timedelta | None

    @property
    def flagged(self) -> bool:
        return self.state in ("near", "overdue")


class TransitionRefused(Exception):
    """A status change the workflow does not allow; `code` names the message in texts.yml."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def check_outcome(workflow: Workflow, kind: CaseKind, target: CaseStatus, outcome: str) -> str | None:
    """The outcome a move records: required when closing a kind that has outcomes, else None."""
    rule = workflow.outcomes.get(kind)
    if rule is None or target != CaseStatus.closed:
        return None
    chosen = outcome.strip()
    if chosen not in rule.choices:
        raise TransitionRefused("outcome_required")
    return chosen


def check_transition(workflow: Workflow, current: CaseStatus, target: CaseStatus, reason: str) -> str | None:
    """The cleaned reason (None when none is needed); raises TransitionRefused otherwise."""
    if target not in workflow.next_statuses(current):
        raise TransitionRefused("transition_not_allowed")
    cleaned = " ".join(reason.split())
    if target in workflow.reason_required:
        if len(cleaned) < REASON_MIN_CHARS:
            raise TransitionRefused("reason_required")
        if len(cleaned) > REASON_MAX_CHARS:
            raise TransitionRefused("reason_too_long")
        return cleaned
    return cleaned[:REASON_MAX_CHARS] or None


@cache
def workflow() -> Workflow:
    return Workflow.load()
