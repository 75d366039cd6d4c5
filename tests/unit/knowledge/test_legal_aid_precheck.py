"""The legal-aid pre-check: every item of 法律援助法第三十一、三十二、四十二、四十四条, the hardship
standard at its edges, and the routes that are not screened."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from legal_aid_helpers import HIGH, LOW, NONE, RULES, check, raw_data

from knowledge.legal_aid.rules import LegalAidRules, PrecheckAnswers

# -- 第三十一条: every matter, with the hardship test applied


@pytest.mark.parametrize(
    ("matter", "finances", "verdict"),
    [
        ("state_compensation", LOW, "likely_eligible"),  # item 1
        ("social_insurance_assistance", LOW, "likely_eligible"),  # item 2
        ("survivor_pension", LOW, "likely_eligible"),  # item 3
        ("family_support", LOW, "likely_eligible"),  # item 4
        ("labour_relationship", LOW, "likely_eligible"),  # item 5
        ("unpaid_wages", LOW, "likely_eligible"),  # item 5
        ("civil_capacity", LOW, "likely_eligible"),  # item 6
        ("work_injury", LOW, "likely_eligible"),  # item 7
        ("traffic_accident", LOW, "likely_eligible"),  # item 7
        ("food_drug_safety", LOW, "likely_eligible"),  # item 7
        ("medical_accident", LOW, "likely_eligible"),  # item 7
        ("environmental_damage", LOW, "likely_eligible"),  # item 8
        ("other_by_law", LOW, "needs_review"),  # item 9: the office checks the local rule
        ("state_compensation", HIGH, "likely_not"),
        ("family_support", HIGH, "likely_not"),
        ("environmental_damage", HIGH, "likely_not"),
        ("other_by_law", HIGH, "likely_not"),
        ("crime_victim", LOW, "likely_eligible"),  # 第二十九条
        ("crime_victim", HIGH, "likely_not"),
        ("retrial", LOW, "needs_review"),  # 第三十三条: only once a re-trial is decided
        ("retrial", HIGH, "likely_not"),
    ],
)
def test_matters_with_the_hardship_test(
    legal_aid_rules: LegalAidRules, matter: str, finances: tuple[int, Decimal], verdict: str
) -> None:
    result = check(legal_aid_rules, matter, finances=finances)
    assert result.verdict == verdict
    assert result.hardship_rule == legal_aid_rules.hardship_rule_text
    assert any(r.citation == "法律援助法第三十四条" for r in result.reasons)
    assert any(r.citation == "法律援助法第四十一条" for r in result.reasons)  # state finances truthfully


# -- 第三十二条: no hardship test for the claim the ground names


@pytest.mark.parametrize(
    ("status", "matter", "finances", "verdict"),
    [
        ("hero_martyr_family", "hero_martyr_rights", NONE, "likely_eligible"),  # item 1
        ("good_samaritan", "good_samaritan_claim", HIGH, "likely_eligible"),  # item 2
        ("good_samaritan", "crime_victim", HIGH, "likely_eligible"),  # hurt by the offender they stopped
        ("retrial_acquittal_compensation", "state_compensation", HIGH, "likely_eligible"),  # item 3
        ("abuse_or_dv_victim", "divorce_property", HIGH, "likely_eligible"),  # item 4: the ground is the claim
        ("abuse_or_dv_victim", "family_support", NONE, "likely_eligible"),
        ("abuse_or_dv_victim", "abuse_protection", HIGH, "likely_eligible"),
        ("other_exempt_by_law", "contract_business", NONE, "needs_review"),  # item 5: office checks
        ("other_exempt_by_law", "family_support", NONE, "needs_review"),
        ("other_exempt_by_law", "family_support", HIGH, "needs_review"),
        ("other_exempt_by_law", "family_support", LOW, "likely_eligible"),
    ],
)
def test_article_32_grounds(
    legal_aid_rules: LegalAidRules,
    status: str,
    matter: str,
    finances: tuple[int | None, Decimal | None],
    verdict: str,
) -> None:
    result = check(legal_aid_rules, matter, {status}, finances)
    assert result.verdict == verdict
    assert any(r.citation == "法律援助法第三十二条" for r in result.reasons)
    if status != "other_exempt_by_law":
        assert result.hardship_rule is None
        assert not legal_aid_rules.needs_finances(PrecheckAnswers(matter=matter, statuses=frozenset({status})))


# -- 第四十二条: hardship presumed on proof of status


@pytest.mark.parametrize(
    ("status", "matter", "finances", "verdict"),
    [
        ("no_fixed_income_group", "family_support", NONE, "likely_eligible"),  # item 1
        ("social_assistance", "traffic_accident", NONE, "likely_eligible"),  # item 2
        ("migrant_worker", "unpaid_wages", NONE, "likely_eligible"),  # item 3
        ("migrant_worker", "work_injury", HIGH, "likely_eligible"),
        ("migrant_worker", "traffic_accident", HIGH, "likely_not"),  # item 3 covers wages and work injury only
        ("migrant_worker", "traffic_accident", NONE, "needs_review"),
        ("other_presumed_by_law", "medical_accident", HIGH, "needs_review"),  # item 4: office checks
        ("other_presumed_by_law", "medical_accident", LOW, "likely_eligible"),
        ("social_assistance", "retrial", NONE, "needs_review"),  # presumed, but the re-trial condition remains
        ("social_assistance", "contract_business", NONE, "likely_not"),  # not a listed matter
    ],
)
def test_article_42_statuses(
    legal_aid_rules: LegalAidRules,
    status: str,
    matter: str,
    finances: tuple[int | None, Decimal | None],
    verdict: str,
) -> None:
    result = check(legal_aid_rules, matter, {status}, finances)
    assert result.verdict == verdict
    proof = next(s for s in legal_aid_rules.presumed_statuses if s.id == status).proof
    if verdict == "likely_eligible" and status != "other_presumed_by_law":
        assert result.hardship_rule is None
        assert set(proof) <= set(result.materials)  # "on proof of status"
        assert any(r.citation == "法律援助法第四十二条" for r in result.reasons)


def test_a_status_that_does_not_apply_to_the_matter_is_explained(legal_aid_rules: LegalAidRules) -> None:
    result = check(legal_aid_rules, "traffic_accident", {"migrant_worker"}, LOW)
    assert result.verdict == "likely_eligible"
    assert result.hardship_rule is not None
    assert any("只适用于" in r.text and "讨要工资" in r.text for r in result.reasons)


# -- 第四十四条: urgent help


@pytest.mark.parametrize("situation", [u.id for u in RULES.urgent_situations])
@pytest.mark.parametrize(
    ("matter", "verdict"), [("unpaid_wages", "likely_eligible"), ("contract_business", "likely_not")]
)
def test_article_44_situations_ask_for_urgent_help(
    legal_aid_rules: LegalAidRules, situation: str, matter: str, verdict: str
) -> None:
    result = check(legal_aid_rules, matter, finances=LOW, urgent=frozenset({situation}))
    assert result.urgent_help
    assert result.verdict == verdict  # urgency changes the advice, not the verdict
    title = next(u.title for u in legal_aid_rules.urgent_situations if u.id == situation)
    text = result.text()
    assert title in text and legal_aid_rules.data.urgent.text in text and "第四十四条" in text


def test_no_urgent_help_without_an_urgent_situation(legal_aid_rules: LegalAidRules) -> None:
    result = check(legal_aid_rules, "unpaid_wages", finances=LOW)
    assert not result.urgent_help
    assert legal_aid_rules.data.texts.urgent_heading not in result.text()


# -- the hardship standard at its edges


@pytest.mark.parametrize(
    ("household_size", "offset", "verdict"),
    [
        (1, Decimal("0"), "likely_eligible"),  # at the figure
        (1, Decimal("-0.01"), "likely_eligible"),  # just below
        (1, Decimal("0.01"), "likely_not"),  # just above
        (3, Decimal("0"), "likely_eligible"),
        (3, Decimal("-0.01"), "likely_eligible"),
        (3, Decimal("0.01"), "likely_not"),  # a cent above in total is above per member too
        (5, Decimal("1"), "likely_not"),
    ],
)
def test_hardship_rule_at_just_below_and_just_above_the_figure(
    legal_aid_rules: LegalAidRules, household_size: int, offset: Decimal, verdict: str
) -> None:
    income = legal_aid_rules.hardship_threshold * household_size + offset
    assert check(legal_aid_rules, "unpaid_wages", finances=(household_size, income)).verdict == verdict


def test_no_income_at_all_is_within_the_standard(legal_aid_rules: LegalAidRules) -> None:
    assert check(legal_aid_rules, "unpaid_wages", finances=(4, Decimal("0"))).verdict == "likely_eligible"


def test_the_example_standard_is_the_minimum_wage_figure(legal_aid_rules: LegalAidRules) -> None:
    figure = legal_aid_rules.data.figures["minimum_wage"]
    assert legal_aid_rules.hardship_threshold == figure.amount
    assert figure.name in legal_aid_rules.hardship_rule_text and "2100" in legal_aid_rules.hardship_rule_text


def with_rule(**rule: Any) -> dict[str, Any]:
    data = raw_data()
    data["hardship"] = {**data["hardship"], **rule}
    return data


@pytest.mark.parametrize(
    ("household_size", "offset", "verdict"),
    [
        (1, Decimal("0"), "likely_eligible"),
        (2, Decimal("-0.01"), "likely_eligible"),
        (2, Decimal("0.01"), "likely_not"),
    ],
)
def test_the_alternative_rule_twice_the_minimum_living_allowance(
    household_size: int, offset: Decimal, verdict: str
) -> None:
    legal_aid_rules = LegalAidRules.from_dict(
        with_rule(kind="income_per_member_at_most_multiple_of", figure="minimum_living_allowance", multiple="2")
    )
    allowance = legal_aid_rules.data.figures["minimum_living_allowance"].amount
    assert legal_aid_rules.hardship_threshold == allowance * 2
    result = check(
        legal_aid_rules, "family_support", finances=(household_size, allowance * 2 * household_size + offset)
    )
    assert result.verdict == verdict
    # The applicant is shown which rule was applied, with its figures.
    assert result.hardship_rule is not None
    for shown in ("低保", "2倍", str(allowance * 2)):
        assert shown in result.hardship_rule
    assert result.hardship_rule in result.text()


@pytest.mark.parametrize(
    "rule",
    [
        {"kind": "income_per_member_at_most_multiple_of", "figure": "minimum_living_allowance"},  # no multiple
        {"kind": "income_per_member_at_most_multiple_of", "figure": "minimum_living_allowance", "multiple": "0"},
        {"kind": "income_per_member_at_most", "figure": "average_wage"},  # unknown figure
        {"kind": "income_per_member_at_most", "figure": "minimum_wage", "multiple": "2"},  # not for this kind
        {"kind": "income_below_whatever", "figure": "minimum_wage"},  # unknown kind
    ],
)
def test_a_malformed_hardship_rule_is_rejected(rule: dict[str, Any]) -> None:
    data = raw_data()
    data["hardship"] = {"citation": data["hardship"]["citation"], **rule}
    with pytest.raises(ValueError):
        LegalAidRules.from_dict(data)


# -- missing finances, a lawyer already, criminal defence, not a listed matter


@pytest.mark.parametrize(
    "finances", [NONE, (3, None), (None, Decimal("3000"))], ids=["nothing", "no-income", "no-household"]
)
def test_missing_finances_need_review(
    legal_aid_rules: LegalAidRules, finances: tuple[int | None, Decimal | None]
) -> None:
    result = check(legal_aid_rules, "labour_relationship", finances=finances)
    assert result.verdict == "needs_review"
    assert result.hardship_rule == legal_aid_rules.hardship_rule_text  # still shown, so they know the standard
    assert legal_aid_rules.needs_finances(PrecheckAnswers(matter="labour_relationship"))


@pytest.mark.parametrize(
    ("matter", "statuses"),
    [("unpaid_wages", set()), ("family_support", {"abuse_or_dv_victim"}), ("work_injury", {"migrant_worker"})],
)
def test_already_having_a_lawyer_is_likely_not(legal_aid_rules: LegalAidRules, matter: str, statuses: set[str]) -> None:
    result = check(legal_aid_rules, matter, statuses, LOW, has_lawyer=True)
    assert result.verdict == "likely_not"
    assert result.reasons[0].citation == "法律援助法第四十八条"
    assert result.materials == []
    assert not legal_aid_rules.needs_finances(PrecheckAnswers(matter=matter, has_lawyer=True))


def test_urgent_with_a_lawyer_says_call_the_lawyer(legal_aid_rules: LegalAidRules) -> None:
    result = check(legal_aid_rules, "unpaid_wages", has_lawyer=True, urgent=frozenset({"preservation_needed"}))
    assert result.urgent_help and legal_aid_rules.data.urgent.with_lawyer in result.text()


@pytest.mark.parametrize(
    ("statuses", "finances", "has_lawyer"),
    [(set(), NONE, False), (set(), HIGH, False), ({"social_assistance"}, LOW, False), (set(), NONE, True)],
)
def test_criminal_defence_is_explained_not_screened(
    legal_aid_rules: LegalAidRules, statuses: set[str], finances: tuple[int | None, Decimal | None], has_lawyer: bool
) -> None:
    result = check(legal_aid_rules, "criminal_defence", statuses, finances, has_lawyer=has_lawyer)
    assert result.verdict == "needs_review"
    assert result.hardship_rule is None
    cited = {r.citation for r in result.reasons}
    assert {"法律援助法第二十四条", "法律援助法第二十五条"} <= cited
    assert "第三十九条" in result.where_to_apply and "第三十六条" in result.timeline
    assert not legal_aid_rules.needs_finances(PrecheckAnswers(matter="criminal_defence"))


@pytest.mark.parametrize("matter", [m.id for m in RULES.matters if m.kind == "not_covered"])
@pytest.mark.parametrize("finances", [LOW, NONE])
def test_a_matter_not_listed_is_likely_not(
    legal_aid_rules: LegalAidRules, matter: str, finances: tuple[int | None, Decimal | None]
) -> None:
    result = check(legal_aid_rules, matter, finances=finances)
    assert result.verdict == "likely_not"
    assert result.hardship_rule is None
    assert result.reasons[0].citation == "法律援助法第三十一条"
    assert not legal_aid_rules.needs_finances(PrecheckAnswers(matter=matter))
