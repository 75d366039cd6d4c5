"""The legal-aid pre-check: every item of 法律援助法第三十一、三十二、四十二、四十四条, the hardship
standard at its edges, the routes that are not screened, matching residents' words, and the data's
citations checked against the statute text."""

from __future__ import annotations

import copy
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from knowledge.legal_aid import DEFAULT_PATH, LegalAidRules, PrecheckAnswers, PrecheckResult
from knowledge.statutes import StatuteLibrary

RULES = LegalAidRules.load()
LOW = (3, Decimal("3000"))  # well within the example standard
HIGH = (2, Decimal("20000"))  # well above it
NONE: tuple[int | None, Decimal | None] = (None, None)


@pytest.fixture(scope="module")
def rules() -> LegalAidRules:
    return RULES


def raw_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
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


# -- the data against the statutes


@pytest.mark.parametrize(("where", "citation"), RULES.citations(), ids=[w for w, _ in RULES.citations()])
def test_every_citation_in_the_data_says_what_it_claims(statutes: StatuteLibrary, where: str, citation: Any) -> None:
    assert citation.law in statutes.laws(), f"{where}: law {citation.law} is not shipped"
    article = statutes.article(citation.law, citation.article)
    assert article is not None, f"{where}: {citation.label} does not exist"
    missing = [k for k in citation.keywords if k not in article.text]
    assert not missing, f"{where}: {citation.label} does not contain {missing}"


def items_in_article(statutes: StatuteLibrary, number: str) -> set[int]:
    article = statutes.article("法律援助法", number)
    assert article is not None
    first_paragraph_items = re.findall(r"^（([一二三四五六七八九十]+)）", article.text, flags=re.MULTILINE)
    return set(range(1, len(first_paragraph_items) + 1))


@pytest.mark.parametrize(
    ("article", "collection"),
    [
        ("第三十一条", "matters"),
        ("第三十二条", "exemptions"),
        ("第四十二条", "presumed_statuses"),
        ("第四十四条", "urgent_situations"),
    ],
)
def test_the_data_has_every_item_of_the_article(
    rules: LegalAidRules, statutes: StatuteLibrary, article: str, collection: str
) -> None:
    items = {
        entry.item
        for entry in getattr(rules, collection)
        if entry.citation is not None and entry.citation.article == article
    }
    assert items == items_in_article(statutes, article)


def test_the_data_file_says_it_is_an_example() -> None:
    head = DEFAULT_PATH.read_text(encoding="utf-8")[:400]
    assert "EXAMPLE" in head and "示例区" in head


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
    rules: LegalAidRules, matter: str, finances: tuple[int, Decimal], verdict: str
) -> None:
    result = check(rules, matter, finances=finances)
    assert result.verdict == verdict
    assert result.hardship_rule == rules.hardship_rule_text
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
    rules: LegalAidRules,
    status: str,
    matter: str,
    finances: tuple[int | None, Decimal | None],
    verdict: str,
) -> None:
    result = check(rules, matter, {status}, finances)
    assert result.verdict == verdict
    assert any(r.citation == "法律援助法第三十二条" for r in result.reasons)
    if status != "other_exempt_by_law":
        assert result.hardship_rule is None
        assert not rules.needs_finances(PrecheckAnswers(matter=matter, statuses=frozenset({status})))


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
    rules: LegalAidRules,
    status: str,
    matter: str,
    finances: tuple[int | None, Decimal | None],
    verdict: str,
) -> None:
    result = check(rules, matter, {status}, finances)
    assert result.verdict == verdict
    proof = next(s for s in rules.presumed_statuses if s.id == status).proof
    if verdict == "likely_eligible" and status != "other_presumed_by_law":
        assert result.hardship_rule is None
        assert set(proof) <= set(result.materials)  # "on proof of status"
        assert any(r.citation == "法律援助法第四十二条" for r in result.reasons)


def test_a_status_that_does_not_apply_to_the_matter_is_explained(rules: LegalAidRules) -> None:
    result = check(rules, "traffic_accident", {"migrant_worker"}, LOW)
    assert result.verdict == "likely_eligible"
    assert result.hardship_rule is not None
    assert any("只适用于" in r.text and "讨要工资" in r.text for r in result.reasons)


# -- 第四十四条: urgent help


@pytest.mark.parametrize("situation", [u.id for u in RULES.urgent_situations])
@pytest.mark.parametrize(
    ("matter", "verdict"), [("unpaid_wages", "likely_eligible"), ("contract_business", "likely_not")]
)
def test_article_44_situations_ask_for_urgent_help(
    rules: LegalAidRules, situation: str, matter: str, verdict: str
) -> None:
    result = check(rules, matter, finances=LOW, urgent=frozenset({situation}))
    assert result.urgent_help
    assert result.verdict == verdict  # urgency changes the advice, not the verdict
    title = next(u.title for u in rules.urgent_situations if u.id == situation)
    text = result.text()
    assert title in text and rules.data.urgent.text in text and "第四十四条" in text


def test_no_urgent_help_without_an_urgent_situation(rules: LegalAidRules) -> None:
    result = check(rules, "unpaid_wages", finances=LOW)
    assert not result.urgent_help
    assert rules.data.texts.urgent_heading not in result.text()


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
    rules: LegalAidRules, household_size: int, offset: Decimal, verdict: str
) -> None:
    income = rules.hardship_threshold * household_size + offset
    assert check(rules, "unpaid_wages", finances=(household_size, income)).verdict == verdict


def test_no_income_at_all_is_within_the_standard(rules: LegalAidRules) -> None:
    assert check(rules, "unpaid_wages", finances=(4, Decimal("0"))).verdict == "likely_eligible"


def test_the_example_standard_is_the_minimum_wage_figure(rules: LegalAidRules) -> None:
    figure = rules.data.figures["minimum_wage"]
    assert rules.hardship_threshold == figure.amount
    assert figure.name in rules.hardship_rule_text and "2100" in rules.hardship_rule_text


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
    rules = LegalAidRules.from_dict(
        with_rule(kind="income_per_member_at_most_multiple_of", figure="minimum_living_allowance", multiple="2")
    )
    allowance = rules.data.figures["minimum_living_allowance"].amount
    assert rules.hardship_threshold == allowance * 2
    result = check(rules, "family_support", finances=(household_size, allowance * 2 * household_size + offset))
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
def test_missing_finances_need_review(rules: LegalAidRules, finances: tuple[int | None, Decimal | None]) -> None:
    result = check(rules, "labour_relationship", finances=finances)
    assert result.verdict == "needs_review"
    assert result.hardship_rule == rules.hardship_rule_text  # still shown, so they know the standard
    assert rules.needs_finances(PrecheckAnswers(matter="labour_relationship"))


@pytest.mark.parametrize(
    ("matter", "statuses"),
    [("unpaid_wages", set()), ("family_support", {"abuse_or_dv_victim"}), ("work_injury", {"migrant_worker"})],
)
def test_already_having_a_lawyer_is_likely_not(rules: LegalAidRules, matter: str, statuses: set[str]) -> None:
    result = check(rules, matter, statuses, LOW, has_lawyer=True)
    assert result.verdict == "likely_not"
    assert result.reasons[0].citation == "法律援助法第四十八条"
    assert result.materials == []
    assert not rules.needs_finances(PrecheckAnswers(matter=matter, has_lawyer=True))


def test_urgent_with_a_lawyer_says_call_the_lawyer(rules: LegalAidRules) -> None:
    result = check(rules, "unpaid_wages", has_lawyer=True, urgent=frozenset({"preservation_needed"}))
    assert result.urgent_help and rules.data.urgent.with_lawyer in result.text()


@pytest.mark.parametrize(
    ("statuses", "finances", "has_lawyer"),
    [(set(), NONE, False), (set(), HIGH, False), ({"social_assistance"}, LOW, False), (set(), NONE, True)],
)
def test_criminal_defence_is_explained_not_screened(
    rules: LegalAidRules, statuses: set[str], finances: tuple[int | None, Decimal | None], has_lawyer: bool
) -> None:
    result = check(rules, "criminal_defence", statuses, finances, has_lawyer=has_lawyer)
    assert result.verdict == "needs_review"
    assert result.hardship_rule is None
    cited = {r.citation for r in result.reasons}
    assert {"法律援助法第二十四条", "法律援助法第二十五条"} <= cited
    assert "第三十九条" in result.where_to_apply and "第三十六条" in result.timeline
    assert not rules.needs_finances(PrecheckAnswers(matter="criminal_defence"))


@pytest.mark.parametrize("matter", [m.id for m in RULES.matters if m.kind == "not_covered"])
@pytest.mark.parametrize("finances", [LOW, NONE])
def test_a_matter_not_listed_is_likely_not(
    rules: LegalAidRules, matter: str, finances: tuple[int | None, Decimal | None]
) -> None:
    result = check(rules, matter, finances=finances)
    assert result.verdict == "likely_not"
    assert result.hardship_rule is None
    assert result.reasons[0].citation == "法律援助法第三十一条"
    assert not rules.needs_finances(PrecheckAnswers(matter=matter))


# -- matching residents' words


@pytest.mark.parametrize(
    ("text", "matter"),
    [
        ("老板拖欠工资三个月了", "unpaid_wages"),
        ("包工头跑了，工钱一分没给", "unpaid_wages"),
        ("老板欠钱不还，说下个月再说", "unpaid_wages"),
        ("没签劳动合同，公司不承认我是员工", "labour_relationship"),
        ("在工地上干活摔伤了腿", "work_injury"),
        ("厂里机器把手压伤了", "work_injury"),
        ("骑电动车被车撞了", "traffic_accident"),
        ("医院把我妈的病治坏了", "medical_accident"),
        ("吃了饭店的东西食物中毒住院", "food_drug_safety"),
        ("化工厂排污，鱼塘的鱼全死了", "environmental_damage"),
        ("儿子女儿都不养我", "family_support"),
        ("前夫不给孩子抚养费", "family_support"),
        ("离婚后他一直不给抚养费", "family_support"),
        ("单位不给我办养老金", "social_insurance_assistance"),
        ("我家低保突然被取消了", "social_insurance_assistance"),
        ("我爸去世了，单位不发抚恤金", "survivor_pension"),
        ("想给老年痴呆的父亲做行为能力认定", "civil_capacity"),
        ("被派出所违法拘留了十天，想要国家赔偿", "state_compensation"),
        ("我哥被公安带走了，想请辩护律师", "criminal_defence"),
        ("判决生效了我不服，想申请再审", "retrial"),
        ("被人打成重伤，想请律师当被害人代理", "crime_victim"),
        ("装修公司收了钱不干活，合同违约", "contract_business"),
        ("借给朋友的钱他一直不还", "private_lending"),
        ("想离婚，财产怎么分", "divorce_property"),
        ("兄弟几个为了遗产吵起来了", "inheritance"),
        ("邻居家盖房占了我家宅基地", "neighbour_property"),
    ],
)
def test_match_matter_on_colloquial_phrasings(rules: LegalAidRules, text: str, matter: str) -> None:
    assert rules.match_matter(text) == matter


@pytest.mark.parametrize("text", ["你好", "今天天气怎么样", ""])
def test_match_matter_finds_nothing_in_unrelated_words(rules: LegalAidRules, text: str) -> None:
    assert rules.match_matter(text) is None


@pytest.mark.parametrize(
    ("text", "statuses"),
    [
        ("我是低保户", {"social_assistance"}),
        ("家里是五保户", {"social_assistance"}),
        ("我是农民工，出来打工的", {"migrant_worker"}),
        ("我是残疾人，没有收入", {"no_fixed_income_group"}),
        ("我七十多岁了，没有生活来源", {"no_fixed_income_group"}),
        ("老公经常打我", {"abuse_or_dv_victim"}),
        ("长期遭受家暴", {"abuse_or_dv_victim"}),
        ("我爷爷是烈士，有人在网上诋毁他的名誉", {"hero_martyr_family"}),
        ("我见义勇为受了伤", {"good_samaritan"}),
        ("再审改判无罪了，想要赔偿", {"retrial_acquittal_compensation"}),
        ("我是烈属，也是低保户", {"social_assistance"}),
        ("我想问问离婚怎么分财产", set()),
        ("我是残疾人", set()),  # disability alone does not presume hardship: no fixed income is needed too
    ],
)
def test_match_statuses_on_colloquial_phrasings(rules: LegalAidRules, text: str, statuses: set[str]) -> None:
    assert rules.match_statuses(text) == statuses


@pytest.mark.parametrize(
    ("text", "situations"),
    [
        ("仲裁时效还有三天就到期了", {"deadline_within_7_days"}),
        ("起诉期限快到了", {"deadline_within_7_days"}),
        ("他正在转移财产，准备卖房子跑路", {"preservation_needed"}),
        ("聊天记录证据可能被他删了", {"preservation_needed"}),
        ("想咨询一下工资的事", set()),
    ],
)
def test_match_urgent_on_colloquial_phrasings(rules: LegalAidRules, text: str, situations: set[str]) -> None:
    assert rules.match_urgent(text) == situations


# -- the form's question about finances


@pytest.mark.parametrize(
    ("answers", "needed"),
    [
        ({"matter": "unpaid_wages"}, True),
        ({"matter": "unpaid_wages", "statuses": {"migrant_worker"}}, False),
        ({"matter": "traffic_accident", "statuses": {"migrant_worker"}}, True),
        ({"matter": "family_support", "statuses": {"social_assistance"}}, False),
        ({"matter": "family_support", "statuses": {"no_fixed_income_group"}}, False),
        ({"matter": "divorce_property", "statuses": {"abuse_or_dv_victim"}}, False),
        ({"matter": "family_support", "statuses": {"other_exempt_by_law"}}, True),
        ({"matter": "family_support", "statuses": {"other_presumed_by_law"}}, True),
        ({"matter": "retrial"}, True),
        ({"matter": "other_by_law"}, True),
        ({"matter": "contract_business"}, False),
        ({"matter": "criminal_defence"}, False),
        ({"matter": "unpaid_wages", "has_lawyer": True}, False),
    ],
)
def test_needs_finances(rules: LegalAidRules, answers: dict[str, Any], needed: bool) -> None:
    assert rules.needs_finances(PrecheckAnswers.model_validate(answers)) is needed


# -- invalid input


@pytest.mark.parametrize(
    "answers",
    [
        {"matter": "unpaid_wages", "monthly_household_income": "-1"},
        {"matter": "unpaid_wages", "household_size": 0},
        {"matter": "unpaid_wages", "household_size": -2},
        {"matter": "unpaid_wages", "monthly_household_income": "很多"},
        {"matter": "unpaid_wages", "favourite_colour": "蓝"},
    ],
)
def test_invalid_answers_are_rejected(answers: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        PrecheckAnswers.model_validate(answers)


@pytest.mark.parametrize(
    "answers",
    [
        {"matter": "astrology"},
        {"matter": "unpaid_wages", "statuses": {"vip"}},
        {"matter": "unpaid_wages", "urgent": {"tomorrow"}},
        {"matter": "unpaid_wages", "statuses": {"deadline_within_7_days"}},  # an urgent id is not a status
    ],
)
def test_unknown_ids_are_errors(rules: LegalAidRules, answers: dict[str, Any]) -> None:
    parsed = PrecheckAnswers.model_validate(answers)
    with pytest.raises(ValueError, match="unknown"):
        rules.precheck(parsed)
    if "urgent" not in answers:
        with pytest.raises(ValueError, match="unknown"):
            rules.needs_finances(parsed)


def test_money_is_decimal_and_shown_to_the_cent(rules: LegalAidRules) -> None:
    answers = PrecheckAnswers(matter="unpaid_wages", household_size=3, monthly_household_income="5000")
    assert answers.monthly_household_income == Decimal("5000")
    assert "1666.67" in rules.precheck(answers).text()


# -- broken data is rejected at load, naming the file


def test_loading_a_broken_file_names_it(tmp_path: Path) -> None:
    data = raw_data()
    data["matters"][0]["kind"] = "maybe"
    broken = tmp_path / "broken_legal_aid.yml"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(broken.name)):
        LegalAidRules.load(broken)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["matters"].append(copy.deepcopy(d["matters"][0])), "duplicate matter"),
        (lambda d: d["presumed_statuses"].append({**d["exemptions"][0]}), "duplicate status"),
        (lambda d: d["presumed_statuses"][2].update(matters=["lottery"]), "unknown matters"),
        (lambda d: d["exemptions"][0].update(matters=None), "needs the matters it concerns"),
        (lambda d: d["exemptions"][1].update(matters=["lottery"]), "unknown matters"),
        (lambda d: d["exemptions"][4].update(matters=["unpaid_wages"]), "open-ended ground"),
        (lambda d: d["exemptions"][0].update(matters=["state_compensation"]), "needs a 第三十二条 ground"),
        (lambda d: d["texts"]["reasons"]["hardship_pass"].update(text="{rul}"), "unknown placeholder"),
        (lambda d: d["matters"][0].update(citation=None), "needs the citation"),
        (lambda d: d["matters"][-1].update(notes=[]), "needs notes"),
        (lambda d: d["matters"][0].update(keywords=["工资+"]), "malformed keyword"),
        (lambda d: d["matters"][0].update(id="State Compensation"), "pattern"),
        (lambda d: d["figures"]["minimum_wage"].update(amount="-5"), "greater than 0"),
        (lambda d: d.update(surprise=1), "Extra inputs"),
    ],
)
def test_inconsistent_data_is_rejected(change: Any, message: str) -> None:
    data = raw_data()
    change(data)
    with pytest.raises(ValueError, match=message):
        LegalAidRules.from_dict(data)


# -- the reply


def every_kind_of_result(rules: LegalAidRules) -> list[PrecheckResult]:
    statuses = [s.id for s in [*rules.exemptions, *rules.presumed_statuses]]
    results = []
    for matter in rules.matters:
        for finances in (LOW, HIGH, NONE):
            results.append(check(rules, matter.id, finances=finances))
        results.append(check(rules, matter.id, has_lawyer=True))
        results.extend(check(rules, matter.id, {status}) for status in statuses)
        results.append(check(rules, matter.id, urgent=frozenset(u.id for u in rules.urgent_situations)))
    return results


def test_every_kind_of_result_occurs(rules: LegalAidRules) -> None:
    verdicts = {result.verdict for result in every_kind_of_result(rules)}
    assert verdicts == {"likely_eligible", "likely_not", "needs_review"}


def test_text_always_says_pre_check_and_offers_the_human_paths(rules: LegalAidRules) -> None:
    for result in every_kind_of_result(rules):
        text = result.text()
        assert rules.data.texts.disclaimer in text
        assert "预检" in text and "法律援助机构" in text and "决定" in text
        for path in ("人民调解", "12348", "律师"):
            assert path in text, (result.verdict, path)
        assert getattr(rules.data.texts.verdicts, result.verdict) in text
        assert result.where_to_apply in text and result.timeline in text
        for reason in result.reasons:
            assert reason.text in text
            if reason.citation:
                assert reason.citation in text


def test_every_cited_label_in_a_result_resolves(rules: LegalAidRules, statutes: StatuteLibrary) -> None:
    # The web page links each label to /api/statutes?cite=…: it has to resolve.
    labels = {r.citation for result in every_kind_of_result(rules) for r in result.reasons if r.citation}
    assert labels and all(statutes.cite(label) is not None for label in labels)


def test_where_to_apply_names_the_offices(rules: LegalAidRules) -> None:
    assert rules.apply_office_id == "legal-aid-center"
    assert rules.helper_office_id == "justice-office"
    result = check(rules, "unpaid_wages", finances=LOW)
    assert "法律援助中心" in result.where_to_apply and "司法所" in result.where_to_apply
    assert "第三十八条" in result.where_to_apply
    assert "七天" in result.timeline and "三天" in result.timeline and "一次性" in result.timeline


def test_a_refusal_explains_how_to_object(rules: LegalAidRules) -> None:
    text = check(rules, "unpaid_wages", finances=HIGH).text()
    assert rules.data.objection.text in text and "第四十九条" in text


def test_status_order_does_not_change_the_reply(rules: LegalAidRules) -> None:
    one = check(rules, "unpaid_wages", {"migrant_worker", "social_assistance", "abuse_or_dv_victim"})
    two = check(rules, "unpaid_wages", {"abuse_or_dv_victim", "social_assistance", "migrant_worker"})
    assert one.text() == two.text()


def test_the_result_serializes_without_its_wording(rules: LegalAidRules) -> None:
    dumped = check(rules, "unpaid_wages", finances=LOW).model_dump()
    assert "reply" not in dumped and dumped["verdict"] == "likely_eligible"
