"""The office head's statistics (/console/statistics): cases per month by service and area, how
mediations and legal-aid applications ended, when residents write, and how satisfied they were.

Plain functions over a database session returning pydantic models (statistics_figures.py), for
the page, its JSON and its CSV. Rows are read for the period and counted here rather than grouped
in SQL: months, hours and weekdays are the office's local ones, which SQLite and PostgreSQL would
compute differently, and an office has thousands of cases a year, not millions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import column, inspect, table
from sqlmodel import Session, col, select

from api.console.statistics_figures import (
    CHART_AREAS,
    DEFAULT_MONTHS,
    NOT_ACCEPTED,
    OTHER_AREAS,
    PENDING,
    SATISFIED_SCORE,
    UNKNOWN,
    UNRECORDED,
    Activity,
    CaseCounts,
    Label,
    LegalAidFigures,
    OutcomeFigures,
    Period,
    PeriodClock,
    Satisfaction,
    Series,
    Statistics,
    VerdictTable,
    percent,
    period_ending,
    series,
)
from api.console.workflow import OPEN_STATUSES, Workflow
from casebook.console_tables import CaseWork
from casebook.models import Case, CaseKind, CaseStatus, Rating

# Rasa's SQL tracker store (same database): one row per event; residents' messages are "user".
_EVENTS = table("events", column("type_name"), column("timestamp"))


# --- cases -----------------------------------------------------------------------------------------


def case_counts(session: Session, period: Period, workflow: Workflow) -> CaseCounts:
    clock = PeriodClock(period)
    size = len(period.months)
    rows = session.exec(
        select(Case.kind, Case.area, Case.created_at).where(
            col(Case.created_at) >= period.start, col(Case.created_at) < period.end
        )
    ).all()
    by_kind: dict[CaseKind, Counter[int]] = {kind: Counter() for kind in workflow.kinds}
    by_area: dict[str, Counter[int]] = {}
    by_month: Counter[int] = Counter()
    for kind, area, created_at in rows:
        month = clock.month(created_at)
        if month is None:
            continue
        by_month[month] += 1
        by_kind[CaseKind(kind)][month] += 1
        by_area.setdefault(area or UNKNOWN, Counter())[month] += 1
    labels = workflow.statistics
    areas = sorted(by_area, key=lambda a: (a == UNKNOWN, -sum(by_area[a].values()), a))
    area_series = [series(a, a or labels.unknown_area, by_area[a], size) for a in areas]
    return CaseCounts(
        total=sum(by_month.values()),
        by_month=[by_month[i] for i in range(size)],
        by_kind=[series(kind.value, workflow.kinds[kind], counts, size) for kind, counts in by_kind.items()],
        by_area=area_series,
        chart_areas=_largest(area_series, CHART_AREAS, labels.other_areas),
    )


def _largest(series: Sequence[Series], keep: int, other_label: str) -> list[Series]:
    """The `keep` largest series (no area counts as any other), the rest summed into one."""
    ranked = sorted(series, key=lambda s: -s.total)  # stable: ties keep their order
    if len(ranked) <= keep + 1:
        return list(series)
    kept = {s.key for s in ranked[:keep]}
    rest = [s for s in series if s.key not in kept]
    summed = [sum(values) for values in zip(*(s.values for s in rest), strict=True)]
    return [s for s in series if s.key in kept] + [Series(key=OTHER_AREAS, label=other_label, values=summed)]


# --- outcomes ----------------------------------------------------------------------------------------


def outcomes(session: Session, period: Period, workflow: Workflow, kind: CaseKind) -> OutcomeFigures:
    """Cases of `kind` finished in the period, by month of finishing and how they ended."""
    rule = workflow.outcomes[kind]
    clock = PeriodClock(period)
    size = len(period.months)
    rows = session.exec(
        select(Case.status, CaseWork.outcome, CaseWork.closed_at)
        .join(CaseWork, col(CaseWork.case_id) == col(Case.id))
        .where(
            Case.kind == kind,
            col(Case.status).in_([CaseStatus.closed, CaseStatus.not_accepted]),
            col(CaseWork.closed_at) >= period.start,
            col(CaseWork.closed_at) < period.end,
        )
    ).all()
    counts: dict[str, Counter[int]] = {key: Counter() for key in [*rule.choices, UNRECORDED, NOT_ACCEPTED]}
    for status, outcome, closed_at in rows:
        month = clock.month(closed_at) if closed_at is not None else None
        if month is None:
            continue
        if status == CaseStatus.not_accepted:
            counts[NOT_ACCEPTED][month] += 1
        else:
            counts[outcome if outcome in rule.choices else UNRECORDED][month] += 1
    labels = workflow.statistics
    choices = [series(key, choice.label, counts[key], size) for key, choice in rule.choices.items()]
    succeeded = [key for key, choice in rule.choices.items() if choice.success]

    def rate(months: Iterable[int]) -> float | None:
        chosen = list(months)
        wins = sum(counts[key][m] for key in succeeded for m in chosen)
        return percent(wins, sum(counts[key][m] for key in rule.choices for m in chosen))

    return OutcomeFigures(
        kind=kind,
        title=rule.title,
        choices=choices,
        unrecorded=series(UNRECORDED, labels.unrecorded, counts[UNRECORDED], size),
        not_accepted=series(NOT_ACCEPTED, workflow.statuses[CaseStatus.not_accepted], counts[NOT_ACCEPTED], size),
        rate_percent=[rate([m]) for m in range(size)],
        overall_rate_percent=rate(range(size)),
    )


def legal_aid_verdicts(session: Session, period: Period, workflow: Workflow) -> VerdictTable:
    """Applications passed on in the period: the assistant's pre-check against the decision."""
    rule = workflow.outcomes[CaseKind.legal_aid]
    labels = workflow.statistics
    verdict_labels = workflow.detail_values.get("verdict", {})
    verdicts = [Label(key=key, label=label) for key, label in verdict_labels.items()]
    verdicts.append(Label(key=UNKNOWN, label=labels.no_verdict))
    decisions = [Label(key=key, label=choice.label) for key, choice in rule.choices.items()]
    decisions += [
        Label(key=NOT_ACCEPTED, label=workflow.statuses[CaseStatus.not_accepted]),
        Label(key=UNRECORDED, label=labels.unrecorded),
        Label(key=PENDING, label=labels.pending),
    ]
    rows = session.exec(
        select(Case.status, Case.details, CaseWork.outcome)
        .outerjoin(CaseWork, col(CaseWork.case_id) == col(Case.id))
        .where(
            Case.kind == CaseKind.legal_aid,
            col(Case.created_at) >= period.start,
            col(Case.created_at) < period.end,
        )
    ).all()
    counts: Counter[tuple[str, str]] = Counter()
    for status, details, outcome in rows:
        verdict = details.get("verdict") if isinstance(details, dict) else None
        verdict_key = verdict if isinstance(verdict, str) and verdict in verdict_labels else UNKNOWN
        counts[verdict_key, _decision(CaseStatus(status), outcome, rule.choices)] += 1
    return VerdictTable(
        verdicts=verdicts,
        decisions=decisions,
        counts=[[counts[v.key, d.key] for d in decisions] for v in verdicts],
        total=sum(counts.values()),
    )


def _decision(status: CaseStatus, outcome: str | None, choices: Iterable[str]) -> str:
    if status in OPEN_STATUSES:
        return PENDING
    if status == CaseStatus.not_accepted:
        return NOT_ACCEPTED
    return outcome if outcome in set(choices) else UNRECORDED


# --- when residents come --------------------------------------------------------------------------------


def _message_times(session: Session, period: Period) -> list[float] | None:
    """Epoch seconds of residents' messages in the period; None without a tracker store here."""
    if not inspect(session.connection()).has_table("events"):
        return None
    statement = select(_EVENTS.c.timestamp).where(
        _EVENTS.c.type_name == "user",
        _EVENTS.c.timestamp >= period.start.timestamp(),
        _EVENTS.c.timestamp < period.end.timestamp(),
    )
    return [float(stamp) for stamp in session.exec(statement).all() if stamp is not None]


def activity(session: Session, period: Period, workflow: Workflow) -> Activity:
    """Residents' messages (Rasa's tracker store) and new cases by local hour and weekday."""
    clock = PeriodClock(period)
    size = len(period.months)
    stamps = _message_times(session, period)
    grid = [[0] * 24 for _ in range(7)]
    by_month: Counter[int] = Counter()
    for stamp in stamps or []:
        moment = datetime.fromtimestamp(stamp, UTC)
        local = clock.local(moment)
        grid[local.weekday()][local.hour] += 1
        month = clock.month(moment)
        if month is not None:
            by_month[month] += 1
    case_hours, case_days = [0] * 24, [0] * 7
    created = session.exec(
        select(Case.created_at).where(col(Case.created_at) >= period.start, col(Case.created_at) < period.end)
    ).all()
    for moment in created:
        local = clock.local(moment)
        case_hours[local.hour] += 1
        case_days[local.weekday()] += 1
    by_hour = [sum(day[hour] for day in grid) for hour in range(24)]
    busiest_of = by_hour if any(by_hour) else case_hours
    return Activity(
        messages_available=stamps is not None,
        messages_total=len(stamps or []),
        messages_by_month=[by_month[i] for i in range(size)],
        messages_by_hour=by_hour,
        messages_by_weekday=[sum(day) for day in grid],
        messages_by_weekday_hour=grid,
        cases_by_hour=case_hours,
        cases_by_weekday=case_days,
        weekdays=list(workflow.statistics.weekdays),
        busiest_hour=busiest_of.index(max(busiest_of)) if any(busiest_of) else None,
    )


# --- satisfaction ------------------------------------------------------------------------------------------


def satisfaction(session: Session, period: Period, workflow: Workflow) -> Satisfaction:
    clock = PeriodClock(period)
    size = len(period.months)
    labels = workflow.statistics.scores
    rows = session.exec(
        select(Rating.score, Rating.created_at).where(
            col(Rating.created_at) >= period.start, col(Rating.created_at) < period.end
        )
    ).all()
    per_score: dict[int, Counter[int]] = {score: Counter() for score in sorted(labels)}
    for score, created_at in rows:
        month = clock.month(created_at)
        if month is not None and score in per_score:
            per_score[score][month] += 1
    count_by_month = [sum(per_score[s][m] for s in per_score) for m in range(size)]
    sum_by_month = [sum(s * per_score[s][m] for s in per_score) for m in range(size)]
    by_score = [sum(per_score[s].values()) for s in per_score]
    total = sum(by_score)
    satisfied = per_score[SATISFIED_SCORE]
    return Satisfaction(
        scores=[Label(key=str(s), label=labels[s]) for s in per_score],
        total=total,
        by_score=by_score,
        by_month=[series(str(s), labels[s], per_score[s], size) for s in per_score],
        count_by_month=count_by_month,
        mean_by_month=[round(t / n, 2) if n else None for t, n in zip(sum_by_month, count_by_month, strict=True)],
        satisfied_share_by_month=[percent(satisfied[m], count_by_month[m]) for m in range(size)],
        mean=round(sum(sum_by_month) / total, 2) if total else None,
        satisfied_share_percent=percent(sum(satisfied.values()), total),
    )


# --- everything, and the monthly table ------------------------------------------------------------------------


def compute(
    session: Session, *, workflow: Workflow, now: datetime, zone: ZoneInfo, months: int = DEFAULT_MONTHS
) -> Statistics:
    period = period_ending(now, zone, months)
    return Statistics(
        period=period,
        cases=case_counts(session, period, workflow),
        mediation=outcomes(session, period, workflow, CaseKind.mediation),
        legal_aid=LegalAidFigures(
            verdicts=legal_aid_verdicts(session, period, workflow),
            decisions=outcomes(session, period, workflow, CaseKind.legal_aid),
        ),
        activity=activity(session, period, workflow),
        satisfaction=satisfaction(session, period, workflow),
    )


def monthly_table(figures: Statistics, workflow: Workflow) -> tuple[list[str], list[list[Any]]]:
    """The CSV's header and one row per month: cases by kind and area, outcomes, messages, ratings."""
    columns = workflow.statistics.columns
    mediation, decisions = figures.mediation, figures.legal_aid.decisions
    activity_, ratings = figures.activity, figures.satisfaction
    # Without the tracker store the message counts are unknown, not zero.
    messages = activity_.messages_by_month if activity_.messages_available else [None] * len(figures.period.months)
    counted: list[tuple[str, Sequence[Any]]] = [
        (columns.cases, figures.cases.by_month),
        *((s.label, s.values) for s in figures.cases.by_kind),
        *((columns.area.format(area=s.label), s.values) for s in figures.cases.by_area),
        *((s.label, s.values) for s in mediation.choices),
        (columns.mediation_rate, mediation.rate_percent),
        *((s.label, s.values) for s in decisions.choices),
        (columns.legal_aid_not_accepted, decisions.not_accepted.values),
        (columns.messages, messages),
        (columns.ratings, ratings.count_by_month),
        (columns.mean_score, ratings.mean_by_month),
        (columns.satisfied_share, ratings.satisfied_share_by_month),
    ]
    header = [columns.month, *(name for name, _ in counted)]
    rows = [
        [month, *("" if values[i] is None else values[i] for _, values in counted)]
        for i, month in enumerate(figures.period.months)
    ]
    return header, rows
