"""How a form's stored answers read back to a resident (summary, status, confirmation).

A slot's `shown` in the forms' spec (knowledge/data/service_forms.yml) says how: as typed, by a
template such as "{value}元", or by one of the readers here, which turn ids into titles and
times into words.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from actions import runtime
from casebook.service_forms import service_forms


def when(start: datetime) -> str:
    readback = service_forms().readback
    weekday = readback.weekdays[start.weekday()]
    return readback.time.format(month=start.month, day=start.day, weekday=weekday, clock=f"{start:%H:%M}")


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


def _dispute_type(text: str) -> str:
    return runtime.mediation().dispute_type(text).title


def _legal_aid_choices(text: str) -> str:
    rules = runtime.legal_aid()
    items = [*rules.matters, *rules.exemptions, *rules.presumed_statuses, *rules.urgent_situations]
    titles = {item.id: item.title for item in items}
    return "、".join(titles.get(i, i) for i in _ids(text)) or service_forms().readback.none_chosen


def _notary_matter(text: str) -> str:
    return runtime.notary().get(text).title


def _desk_time(text: str) -> str:
    return when(datetime.fromisoformat(text))


def _lawyer_session(text: str) -> str:
    adviser_id, start = parse_lawyer_slot(text)
    return f"{when(start)}，{adviser_label(adviser_id)}"


# The readers a slot's `shown` may name (casebook/service_forms.py `Reader` lists the same names; a test checks).
READER_FUNCTIONS: dict[str, Callable[[str], str]] = {
    "dispute_type": _dispute_type,
    "legal_aid_choices": _legal_aid_choices,
    "notary_matter": _notary_matter,
    "desk_time": _desk_time,
    "lawyer_session": _lawyer_session,
}


def describe(slot: str, value: Any) -> str:
    """A slot's value in words: ids become titles, flags become 是/否, times read naturally."""
    readback = service_forms().readback
    if isinstance(value, bool):
        return readback.yes if value else readback.no
    spec = service_forms().slots.get(slot)
    shown = spec.shown if spec is not None else "{value}"
    reader = READER_FUNCTIONS.get(shown)
    return reader(str(value)) if reader is not None else shown.format(value=value)
