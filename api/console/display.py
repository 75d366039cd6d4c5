"""Turning stored data into what a staff member reads: local times, the transcript, the form's
details in words, deadline flags, the queue's rows, CSV cells. Personal data is masked here for
roles without it."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from api.console.casework import QueueRow
from api.console.personal import Masker, PersonalData
from api.console.roles import Role
from api.console.texts import DeadlineTexts
from api.console.workflow import OPEN_STATUSES, DeadlineView, Workflow
from casebook.case_details import CaseDetails
from casebook.clock import as_utc
from casebook.models import CaseKind

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def local_time(moment: datetime | None, zone: ZoneInfo) -> str:
    return "" if moment is None else as_utc(moment).astimezone(zone).strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class TranscriptLine:
    sender: str  # "user", "bot", or "staff" (a person writing during a takeover)
    text: str
    buttons: list[str] = field(default_factory=list)
    at: datetime | None = None


def transcript(
    tracker: Mapping[str, Any], masker: Masker | None, personal: PersonalData | None = None
) -> list[TranscriptLine]:
    """The resident's, the assistant's and staff's messages from a Rasa tracker, in order.

    With a masker (a role without personal data), what the resident answered to a personal
    question (a form's requested slot in personal_data.yml) is hidden whole.
    """
    lines: list[TranscriptLine] = []
    asking: str | None = None  # the form slot the assistant is asking for
    for event in tracker.get("events") or []:
        if not isinstance(event, Mapping):
            continue
        kind = event.get("event")
        if kind == "slot" and event.get("name") == "requested_slot":
            asking = str(event["value"]) if event.get("value") else None
        elif kind in ("restart", "session_started", "active_loop") and not event.get("name"):
            asking = None
        if kind not in ("user", "bot"):
            continue
        timestamp = event.get("timestamp")
        at = datetime.fromtimestamp(timestamp, UTC) if isinstance(timestamp, int | float) else None
        text = str(event.get("text") or "")
        if masker is not None:
            personal_answer = kind == "user" and personal is not None and asking in personal.slots
            text = masker.answer(text) if personal_answer else masker.text(text)
        data = event.get("data") or {}
        buttons = [str(b.get("title", "")) for b in data.get("buttons") or [] if isinstance(b, Mapping)]
        if not text and not buttons:
            continue  # custom payloads only (receipts): nothing a person reads
        # A member of staff's turn during a takeover is stored as a bot event marked takeover.
        custom = data.get("custom")
        by_staff = kind == "bot" and isinstance(custom, Mapping) and bool(custom.get("takeover"))
        sender = "staff" if by_staff else str(kind)
        lines.append(TranscriptLine(sender=sender, text=text, buttons=buttons, at=at))
    return lines


@dataclass(frozen=True)
class DetailItem:
    label: str
    value: str = ""
    children: list[DetailItem] = field(default_factory=list)


def _value(value: Any, key: str, workflow: Workflow) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None:
        return "—"
    text = str(value)
    return workflow.detail_values.get(key, {}).get(text, text)


def details(
    data: CaseDetails | Mapping[str, Any],
    workflow: Workflow,
    masker: Masker | None,
    personal: PersonalData,
    parent: str = "",
) -> list[DetailItem]:
    """What the service form recorded (a case's typed details, casebook/case_details.py, or a
    mapping inside them), labelled in Chinese, nested lists and mappings kept, in the order
    recorded. For roles without personal data the personal keys of personal_data.yml are hidden."""
    if isinstance(data, CaseDetails):
        data = data.stored()

    def shown(key: str, value: Any) -> str:
        text = _value(value, key, workflow)
        return text if masker is None else masker.detail(parent or key, text, personal)

    items: list[DetailItem] = []
    for key, value in data.items():
        if key in workflow.hidden_details:
            continue
        label = workflow.details.get(key, key)
        inner = parent or (key if key in personal.details else "")
        if isinstance(value, Mapping):
            items.append(DetailItem(label=label, children=details(value, workflow, masker, personal, inner)))
        elif isinstance(value, list | tuple | set | frozenset):
            children = [
                DetailItem(label="", children=details(v, workflow, masker, personal, inner))
                if isinstance(v, Mapping)
                else DetailItem(label="", value=shown(key, v))
                for v in value
            ]
            items.append(DetailItem(label=label, value="—" if not children else "", children=children))
        else:
            items.append(DetailItem(label=label, value=shown(key, value)))
    return items


def deadline_text(view: DeadlineView | None, texts: DeadlineTexts) -> str:
    if view is None:
        return ""
    if view.state == "met":
        return texts.met
    if view.state == "waiting" or view.remaining is None:
        return texts.waiting
    seconds = view.remaining.total_seconds()
    if view.state == "overdue":
        return texts.overdue.format(days=max(1, math.ceil(-seconds / 86400)))
    if view.state == "near":
        return texts.near.format(hours=max(0, math.floor(seconds / 3600)))
    return texts.ok.format(days=math.floor(seconds / 86400))


def csv_cell(value: object) -> str:
    """A cell a spreadsheet shows as text: formula starters get a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_document(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """UTF-8 CSV with a byte-order mark, which Excel needs to read Chinese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_cell(h) for h in header])
    writer.writerows([csv_cell(v) for v in row] for row in rows)
    return "\ufeff" + buffer.getvalue()


def queue_row(row: QueueRow, role: Role, workflow: Workflow, deadlines: DeadlineTexts, now: datetime) -> dict[str, Any]:
    """One case of the queue (and of its CSV) as the role may read it, with its deadline flag."""
    case_ = row.case
    deadline = workflow.deadline(
        kind=case_.kind,
        status=case_.status,
        created_at=case_.created_at,
        accepted_at=row.work.accepted_at if row.work else None,
        now=now,
    )
    return {
        "case": case_,
        "name": role.name(case_.applicant_name),
        "phone": role.phone(case_.phone),
        "assignee": row.assignee.display_name if row.assignee else "",
        "deadline": deadline,
        "deadline_text": deadline_text(deadline, deadlines),
        "danger": case_.kind == CaseKind.danger and case_.status in OPEN_STATUSES,
        "not_accepted_reason": row.work.not_accepted_reason if row.work else None,
    }
