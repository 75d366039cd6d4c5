"""How a form's stored answers read back to a resident (summary, status, confirmation)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from actions import runtime

WEEKDAYS = "一二三四五六日"


def when(start: datetime) -> str:
    return f"{start.month}月{start.day}日（周{WEEKDAYS[start.weekday()]}）{start:%H:%M}"


def parse_lawyer_slot(value: str) -> tuple[str, datetime]:
    adviser_id, _, iso = value.partition("@")
    return adviser_id, datetime.fromisoformat(iso)


def lawyer_slot_value(adviser_id: str, start: datetime) -> str:
    return f"{adviser_id}@{start:%Y-%m-%dT%H:%M}"


def adviser_label(adviser_id: str) -> str:
    roster = runtime.roster()
    return f"{roster.get(adviser_id).name}（{roster.kind_name(adviser_id)}）"


def _ids(value: str) -> list[str]:
    return [] if value in {"", "none"} else value.split(",")


def describe(slot: str, value: Any) -> str:
    """A slot's value in words: ids become titles, flags become 是/否, times read naturally."""
    if isinstance(value, bool):
        return "是" if value else "否"
    text = str(value)
    if slot == "dispute_type":
        return runtime.mediation().dispute_type(text).title
    if slot in {"legal_aid_matter", "legal_aid_status", "legal_aid_urgent"}:
        rules = runtime.legal_aid()
        items = [*rules.matters, *rules.exemptions, *rules.presumed_statuses, *rules.urgent_situations]
        titles = {item.id: item.title for item in items}
        return "、".join(titles.get(i, i) for i in _ids(text)) or "无"
    if slot == "monthly_income":
        return f"{text}元"
    if slot == "household_size":
        return f"{text}人"
    if slot == "notary_matter":
        return runtime.notary().get(text).title
    if slot == "notary_slot":
        return when(datetime.fromisoformat(text))
    if slot == "lawyer_slot":
        adviser_id, start = parse_lawyer_slot(text)
        return f"{when(start)}，{adviser_label(adviser_id)}"
    return text
