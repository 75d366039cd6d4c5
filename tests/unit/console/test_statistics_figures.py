"""The head's statistics computed from seeded cases, outcomes, messages and ratings: exact
numbers, local months and hours."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session
from statistics_seed import (
    MONTHS,
    NOW,
    SHANGHAI,
    add,
    figures,
    per_month,
    seed,
    utc,
)

from api.console.statistics_figures import MAX_MONTHS, period_ending
from casebook.models import CaseKind


def test_the_period_is_the_last_twelve_local_months_up_to_now() -> None:
    period = period_ending(NOW, SHANGHAI)
    assert period.months == MONTHS
    assert period.start == utc("2024-06-30 16:00") and period.end == NOW
    assert period_ending(NOW, SHANGHAI, 1).months == ["2025-06"]
    assert len(period_ending(NOW, SHANGHAI, 999).months) == MAX_MONTHS
    # 20:00 UTC on 31 December is already January in Shanghai.
    assert period_ending(utc("2024-12-31 20:00"), SHANGHAI, 2).months == ["2024-12", "2025-01"]


def test_cases_are_counted_per_local_month_by_service_and_area(engine: Engine) -> None:
    seed(engine)
    cases = figures(engine).cases
    assert cases.total == 9
    assert cases.by_month == per_month(m2024_07=1, m2025_03=1, m2025_04=1, m2025_05=4, m2025_06=2)
    by_kind = {s.key: s.values for s in cases.by_kind}
    assert list(by_kind) == [k.value for k in CaseKind]
    assert by_kind["mediation"] == per_month(m2025_03=1, m2025_04=1, m2025_05=2)
    assert by_kind["legal_aid"] == per_month(m2025_05=2, m2025_06=2)
    assert by_kind["handoff"] == per_month(m2024_07=1)
    assert by_kind["danger"] == by_kind["notarization"] == by_kind["lawyer"] == per_month()
    assert [(s.label, s.total) for s in cases.by_area] == [
        ("劳动纠纷", 3),
        ("婚姻家庭", 2),
        ("相邻关系", 2),
        ("未识别领域", 2),
    ]
    assert cases.by_area[-1].values == per_month(m2024_07=1, m2025_06=1)
    assert cases.chart_areas == cases.by_area  # few areas: all of them on the chart


def test_the_area_chart_keeps_the_largest_areas_and_sums_the_rest(engine: Engine) -> None:
    with Session(engine) as db:
        for i, area in enumerate(["A", "B", "C", "D", "E", "F", "G", "H"]):
            for j in range(8 - i):
                add(db, f"X{i}{j}", CaseKind.handoff, "2025-06-01 02:00", area=area)
        db.commit()
    cases = figures(engine).cases
    assert [(s.label, s.total) for s in cases.chart_areas] == [
        ("A", 8),
        ("B", 7),
        ("C", 6),
        ("D", 5),
        ("E", 4),
        ("F", 3),
        ("其他领域", 2 + 1),
    ]
    assert sum(s.total for s in cases.chart_areas) == sum(s.total for s in cases.by_area) == 36


def test_mediation_success_counts_recorded_outcomes_by_month_of_closing(engine: Engine) -> None:
    seed(engine)
    mediation = figures(engine).mediation
    assert {s.key: s.values for s in mediation.choices} == {
        "success": per_month(m2025_05=1),
        "failure": per_month(m2025_06=1),
    }
    assert [s.label for s in mediation.choices] == ["调解成功", "调解不成"]
    assert mediation.unrecorded.values == per_month(m2025_04=1)
    assert mediation.not_accepted.values == per_month(m2025_03=1)
    assert mediation.rate_percent == per_month(default=None, m2025_05=100.0, m2025_06=0.0)
    assert mediation.overall_rate_percent == 50.0


def test_legal_aid_verdicts_are_set_against_the_decisions(engine: Engine) -> None:
    seed(engine)
    aid = figures(engine).legal_aid
    table = aid.verdicts
    assert [v.key for v in table.verdicts] == ["likely_eligible", "likely_not", "needs_review", ""]
    assert [d.label for d in table.decisions] == [
        "给予法律援助",
        "不予法律援助",
        "不予受理",
        "办结时未记录结果",
        "尚未办结",
    ]
    assert table.counts == [
        [1, 0, 0, 0, 0],  # likely eligible → granted
        [0, 1, 0, 0, 0],  # likely not → refused
        [0, 0, 0, 0, 1],  # needs review → still open
        [0, 0, 1, 0, 0],  # no verdict → not accepted
    ]
    assert table.total == 4
    assert {s.key: s.values for s in aid.decisions.choices} == {
        "granted": per_month(m2025_05=1),
        "refused": per_month(m2025_05=1),
    }
    assert aid.decisions.not_accepted.values == per_month(m2025_06=1)
    assert aid.decisions.overall_rate_percent == 50.0


def test_busiest_hours_come_from_residents_messages_in_local_time(engine: Engine) -> None:
    seed(engine)
    activity = figures(engine).activity
    assert activity.messages_available and activity.messages_total == 5
    expected_hours = [0] * 24
    expected_hours[9], expected_hours[14] = 4, 1
    assert activity.messages_by_hour == expected_hours
    assert activity.messages_by_weekday == [3, 1, 0, 0, 0, 0, 1]
    assert activity.messages_by_weekday_hour[0][9] == 3
    assert activity.messages_by_weekday_hour[1][14] == 1
    assert activity.messages_by_weekday_hour[6][9] == 1
    assert sum(map(sum, activity.messages_by_weekday_hour)) == 5
    assert activity.messages_by_month == per_month(m2025_05=4, m2025_06=1)
    assert activity.busiest_hour == 9
    assert activity.weekdays[0] == "周一"
    # New cases by local hour: 00:00 H1, 01:00 L4, 09:30 M2, 10:00 M1 L1 L3 M4, 11:00 L2, 14:00 M3.
    cases_hours = [0] * 24
    for hour, count in {0: 1, 1: 1, 9: 1, 10: 4, 11: 1, 14: 1}.items():
        cases_hours[hour] = count
    assert activity.cases_by_hour == cases_hours
    # Mon H1 M2 L3, Tue L1, Wed L2, Thu M3, Sat M1 M4, Sun L4.
    assert activity.cases_by_weekday == [3, 1, 1, 1, 0, 2, 1]


def test_without_rasas_tables_the_messages_are_skipped_not_an_error(engine: Engine) -> None:
    seed(engine, events=False)
    activity = figures(engine).activity
    assert not activity.messages_available and activity.messages_total == 0
    assert activity.messages_by_hour == [0] * 24
    assert activity.busiest_hour == 10  # of the new cases instead


def test_satisfaction_counts_scores_and_means_per_month(engine: Engine) -> None:
    seed(engine)
    ratings = figures(engine).satisfaction
    assert [(s.key, s.label) for s in ratings.scores] == [("1", "不满意"), ("2", "一般"), ("3", "满意")]
    assert ratings.total == 4 and ratings.by_score == [1, 1, 2]
    assert {s.key: s.values for s in ratings.by_month} == {
        "1": per_month(m2025_05=1),
        "2": per_month(m2025_06=1),
        "3": per_month(m2025_05=2),
    }
    assert ratings.count_by_month == per_month(m2025_05=3, m2025_06=1)
    assert ratings.mean_by_month == per_month(default=None, m2025_05=2.33, m2025_06=2.0)
    assert ratings.satisfied_share_by_month == per_month(default=None, m2025_05=66.7, m2025_06=0.0)
    assert ratings.mean == 2.25 and ratings.satisfied_share_percent == 50.0


def test_an_empty_database_gives_zeros_and_no_rates(engine: Engine) -> None:
    empty = figures(engine)
    assert empty.cases.total == 0 and empty.cases.by_area == []
    assert empty.mediation.overall_rate_percent is None and empty.satisfaction.mean is None
    assert empty.activity.busiest_hour is None and not empty.activity.messages_available
