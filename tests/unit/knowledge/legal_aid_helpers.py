"""What the legal-aid tests share: the shipped rules, example finances, a fresh copy of the data, one pre-check."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import yaml

from knowledge.legal_aid.reply import PrecheckResult
from knowledge.legal_aid.rules import LegalAidRules, PrecheckAnswers
from knowledge.legal_aid.schema import LEGAL_AID_FILE

RULES = LegalAidRules.load()
LOW = (3, Decimal("3000"))  # well within the example standard
HIGH = (2, Decimal("20000"))  # well above it
NONE: tuple[int | None, Decimal | None] = (None, None)


def raw_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(LEGAL_AID_FILE.read_text(encoding="utf-8"))
    return copy.deepcopy(data)


def check(
    rules: LegalAidRules,
    matter: str,
    statuses: set[str] | None = None,
    finances: tuple[int | None, Decimal | None] = NONE,
    **extra: Any,
) -> PrecheckResult:
    size, income = finances
    answers = PrecheckAnswers(
        matter=matter,
        statuses=frozenset(statuses or ()),
        household_size=size,
        monthly_household_income=income,
        **extra,
    )
    return rules.precheck(answers)
