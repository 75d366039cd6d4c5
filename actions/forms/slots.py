"""Bookable times: the notarization desk's appointments and the lawyers' sessions, minus taken ones."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from actions import runtime
from casebook.service_forms import service_forms
from casebook.services.applications import taken_slots
from knowledge.offices import Hours


def hour_slots(hours: Hours, after: datetime, days: int, minutes: int) -> list[datetime]:
    """Start times of `minutes`-long appointments inside the opening hours, after `after`."""
    starts: list[datetime] = []
    day = after.replace(hour=0, minute=0)
    for offset in range(days + 1):
        date = day + timedelta(days=offset)
        for span in hours.on(date.weekday()):
            minute = span.start
            while minute + minutes <= span.end:
                start = date + timedelta(minutes=minute)
                if start > after:
                    starts.append(start)
                minute += minutes
    return starts


def taken(resource_ids: list[str] | None, after: datetime) -> set[tuple[str, datetime]]:
    with Session(runtime.engine()) as session:
        return taken_slots(session, after=after, resource_ids=resource_ids)


def free_desk_slots(after: datetime, limit: int) -> list[datetime]:
    desk = service_forms().notary_desk
    office = runtime.offices().get(desk.office)
    busy = {start for _resource, start in taken([desk.resource_id], after)}
    days = service_forms().booking_days_ahead
    return [s for s in hour_slots(office.hours, after, days, desk.minutes) if s not in busy][:limit]


def is_desk_slot(start: datetime) -> bool:
    desk = service_forms().notary_desk
    hours = runtime.offices().get(desk.office).hours
    day = start.replace(hour=0, minute=0)
    return start in hour_slots(hours, day - timedelta(minutes=1), 0, desk.minutes)
