"""What a case records beyond its columns (`Case.details`), one typed model per case kind.

The service forms build these (actions/forms/*.py `details()`), and `stored_details` checks the
model is the one of the case's kind before it is written: strict on write. The column stays
JSON, and rows written before these models (or trimmed by an erasure, api/privacy/erasure.py)
must still read: `read_details` gives the kind's model when the row fits it and otherwise the
row as it is (`StoredDetails`): lenient on read. Staff read them through the console's labels
(api/console/workflow.yml `details`, one per field here; tests/unit/casebook checks).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from casebook.models import CaseKind

logger = logging.getLogger(__name__)


class CaseDetails(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def stored(self) -> dict[str, Any]:
        """The JSON the column keeps: the fields that were given, in the model's order."""
        return self.model_dump(mode="json", exclude_unset=True)


class MediationDetails(CaseDetails):
    other_party: str
    dispute_type: str  # the type's title
    dispute_place: str
    dispute_summary: str
    request: str
    committee_id: str
    committee: str
    # 当事人申请, the committee's own initiative, or a referral (人民调解法第十七、十八条).
    came_in_by: Literal["application", "initiative", "referral"]


class LegalAidReason(CaseDetails):
    text: str
    citation: str | None = None  # a label such as 法律援助法第三十一条


class LegalAidDetails(CaseDetails):
    # In words for staff; the ids stay in `answers`, the engine's input, to re-run the pre-check.
    matter: str
    status: str
    urgency: str
    answers: dict[str, Any]
    verdict: Literal["likely_eligible", "likely_not", "needs_review"]
    reasons: list[LegalAidReason]
    urgent: bool
    hardship_rule: str | None


class NotarizationDetails(CaseDetails):
    matter_id: str
    matter: str
    appointment: str  # office wall-clock time, "YYYY-MM-DD HH:MM"


class LawyerDetails(CaseDetails):
    topic: str
    adviser_id: str
    adviser: str  # name and kind, in words
    start: str  # office wall-clock time, "YYYY-MM-DD HH:MM"


class AlertDetails(CaseDetails):
    """A handoff or danger case: opened by the conversation, counted again on each new alert."""

    repeats: int = Field(default=0, ge=0)


DETAILS_BY_KIND: dict[CaseKind, type[CaseDetails]] = {
    CaseKind.handoff: AlertDetails,
    CaseKind.danger: AlertDetails,
    CaseKind.mediation: MediationDetails,
    CaseKind.legal_aid: LegalAidDetails,
    CaseKind.notarization: NotarizationDetails,
    CaseKind.lawyer: LawyerDetails,
}


class StoredDetails(CaseDetails):
    """A row that does not fit its kind's model (older, or trimmed by an erasure), kept as it is."""

    model_config = ConfigDict(extra="allow", frozen=True)


def stored_details(kind: CaseKind, details: CaseDetails) -> dict[str, Any]:
    """The column's JSON for a case of this kind; refuses the details of another kind."""
    expected = DETAILS_BY_KIND[kind]
    if type(details) is not expected:
        raise TypeError(f"a {kind.value} case records {expected.__name__}, not {type(details).__name__}")
    return details.stored()


def read_details(kind: CaseKind, stored: Mapping[str, Any]) -> CaseDetails:
    """The kind's model when the row fits it, else the row as it is (never an error on read)."""
    try:
        return DETAILS_BY_KIND[kind].model_validate(dict(stored))
    except ValidationError:
        logger.debug("case details of kind %s read as stored", kind.value)  # field names only, never values
        return StoredDetails.model_validate(dict(stored))
