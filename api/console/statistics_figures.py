"""The shapes of the office head's statistics (pydantic models, for the page, its JSON and its
CSV) and the period they cover: the last few calendar months in the office's time zone."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from casebook.clock import as_utc
from casebook.models import CaseKind

DEFAULT_MONTHS = 12
MAX_MONTHS = 36
CHART_AREAS = 6  # the area chart shows the largest few and puts the rest together
SATISFIED_SCORE = 3
UNKNOWN = ""  # the key of "no area" and "no verdict"
UNRECORDED = "unrecorded"  # closed before outcomes were recorded
NOT_ACCEPTED = "not_accepted"
PENDING = "pending"
OTHER_AREAS = "*other"


class _Figures(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Label(_Figures):
    key: str
    label: str


class Series(_Figures):
    """One line or bar group: a value per month (or per hour), in the order of its axis."""

    key: str
    label: str
    values: list[int]

    @property
    def total(self) -> int:
        return sum(self.values)


class Period(_Figures):
    start: datetime  # UTC, the first moment of the first month in the office's time zone
    end: datetime  # UTC, now (not included)
    timezone: str
    months: list[str]  # "2025-03", oldest first


class CaseCounts(_Figures):
    total: int
    by_month: list[int]
    by_kind: list[Series]  # every kind, in workflow.yml's order
    by_area: list[Series]  # every area seen, most cases first, no area last
    chart_areas: list[Series]  # by_area's largest few and the others together, for the chart


class OutcomeFigures(_Figures):
    """How closed cases of one kind ended, per month of closing (mediation; legal-aid decisions)."""

    kind: CaseKind
    title: str
    choices: list[Series]  # one per outcome of workflow.yml
    unrecorded: Series  # closed before an outcome was asked for
    not_accepted: Series  # 不予受理: never got as far as an outcome; not in the rate
    rate_percent: list[float | None]  # share of outcomes marked success, among recorded ones
    overall_rate_percent: float | None


class VerdictTable(_Figures):
    """Legal-aid applications of the period: the pre-check's verdict against what became of them."""

    verdicts: list[Label]  # rows
    decisions: list[Label]  # columns: the outcomes, not accepted, unrecorded, pending
    counts: list[list[int]]  # [verdict][decision]
    total: int


class LegalAidFigures(_Figures):
    verdicts: VerdictTable
    decisions: OutcomeFigures


class Activity(_Figures):
    messages_available: bool  # False when the tracker store's table is not in this database
    messages_total: int
    messages_by_month: list[int]
    messages_by_hour: list[int]  # 24, local hours
    messages_by_weekday: list[int]  # 7, Monday first
    messages_by_weekday_hour: list[list[int]]  # 7 × 24
    cases_by_hour: list[int]
    cases_by_weekday: list[int]
    weekdays: list[str]
    busiest_hour: int | None  # of residents' messages, or of new cases without them


class Satisfaction(_Figures):
    scores: list[Label]  # "1", "2", "3"
    total: int
    by_score: list[int]
    by_month: list[Series]  # one per score
    count_by_month: list[int]
    mean_by_month: list[float | None]
    satisfied_share_by_month: list[float | None]
    mean: float | None
    satisfied_share_percent: float | None  # share of 满意 (3)


class Statistics(_Figures):
    period: Period
    cases: CaseCounts
    mediation: OutcomeFigures
    legal_aid: LegalAidFigures
    activity: Activity
    satisfaction: Satisfaction


# --- the period and its months --------------------------------------------------------------------


def period_ending(now: datetime, zone: ZoneInfo, months: int = DEFAULT_MONTHS) -> Period:
    """The last `months` calendar months in the office's time zone, this one included, up to now."""
    months = max(1, min(months, MAX_MONTHS))
    local = as_utc(now).astimezone(zone)
    first = local.year * 12 + local.month - 1 - (months - 1)
    keys = [f"{(first + i) // 12:04d}-{(first + i) % 12 + 1:02d}" for i in range(months)]
    start = datetime(first // 12, first % 12 + 1, 1, tzinfo=zone).astimezone(UTC)
    return Period(start=start, end=as_utc(now), timezone=zone.key, months=keys)


class PeriodClock:
    """Places moments of the period in their local month, hour and weekday."""

    def __init__(self, period: Period):
        self.period = period
        self.zone = ZoneInfo(period.timezone)
        self._index = {key: i for i, key in enumerate(period.months)}

    def local(self, moment: datetime) -> datetime:
        return as_utc(moment).astimezone(self.zone)

    def month(self, moment: datetime) -> int | None:
        return self._index.get(f"{self.local(moment):%Y-%m}")

    def within(self, moment: datetime | None) -> bool:
        return moment is not None and self.period.start <= as_utc(moment) < self.period.end


def percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def series(key: str, label: str, counts: Counter[int], size: int) -> Series:
    return Series(key=key, label=label, values=[counts[i] for i in range(size)])
