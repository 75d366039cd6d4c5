"""The findings of the legal audit (/work/shared/reviews/legal-audit.md, sections 1, 2, 4 and 5),
each written as what the law requires of the answer or the rule that used to get it wrong."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from legal_aid_helpers import NONE, check

from knowledge.entries import Entry, KnowledgeBase
from knowledge.legal_aid.rules import LegalAidRules, PrecheckAnswers
from knowledge.mediation import MediationRules
from knowledge.notarization.rules import NotarizationRules
from knowledge.statutes import StatuteLibrary

ROOT = Path(__file__).resolve().parents[3]
HIGH = (3, Decimal("8000"))  # above the example standard (2100 yuan a head), as in the audit
LOW = (3, Decimal("3000"))

AUDITED_ENTRIES = [
    "traffic-drunk-driving",
    "construction-project-payment",
    "office-mediation-unsuitable",
    "admin-police-detention-appeal",
    "marriage-divorce-where-to-sue",
    "foreign-marriage-registration",
    "labour-social-insurance",
    "marriage-parents-contribution",
    "labour-dismissal-compensation",
    "marriage-divorce-damages",
    "injury-helper-unpaid",
    "maritime-ship-collision",
    "maritime-cargo-loss",
    "consumer-food-safety",
    "criminal-reconciliation",
    "demolition-land-compensation-share",
]


@pytest.fixture(scope="module")
def legal_aid() -> LegalAidRules:
    return LegalAidRules.load()


@pytest.fixture(scope="module")
def mediation() -> MediationRules:
    return MediationRules.load()


def entry(kb: KnowledgeBase, entry_id: str) -> Entry:
    return kb.get(entry_id)


def cited(item: Entry) -> set[str]:
    return {citation.label for citation in item.citations}


def says(item: Entry, *phrases: str) -> None:
    missing = [phrase for phrase in phrases if phrase not in item.answer]
    assert not missing, f"{item.id} does not say {missing}"


# -- every corrected entry was read again by someone other than its corrector


@pytest.mark.parametrize("entry_id", AUDITED_ENTRIES)
def test_a_corrected_entry_was_reviewed_by_someone_else(kb: KnowledgeBase, entry_id: str) -> None:
    reviewed_by = entry(kb, entry_id).reviewed_by
    assert "待复核" not in reviewed_by and "复核" in reviewed_by


@pytest.mark.parametrize("entry_id", AUDITED_ENTRIES)
def test_a_corrected_entry_cites_current_texts_only(kb: KnowledgeBase, statutes: StatuteLibrary, entry_id: str) -> None:
    item = entry(kb, entry_id)
    assert not {c.law for c in item.citations} & set(statutes.superseded)
    assert 40 <= len(item.answer) <= 400


# -- section 1: the entries ranked by harm


def test_a_drunk_driving_victim_is_told_the_insurer_compensates_not_only_advances_rescue_costs(
    kb: KnowledgeBase,
) -> None:
    item = entry(kb, "traffic-drunk-driving")
    says(item, "在责任限额内赔偿您的人身伤亡损失", "不只是垫付抢救费", "向司机追偿", "财产损失交强险不赔")
    assert "仍要在限额内垫付抢救费" not in item.answer
    assert "交通事故损害赔偿解释第十五条" in cited(item)


def test_a_builder_is_told_the_priority_right_lapses_after_at_most_eighteen_months(kb: KnowledgeBase) -> None:
    item = entry(kb, "construction-project-payment")
    says(item, "最长十八个月", "从发包人应当付工程款之日起算")
    assert "建设工程施工合同解释（一）第四十一条" in cited(item)


def test_a_dispute_the_police_have_seen_is_still_for_peoples_mediation(kb: KnowledgeBase) -> None:
    item = entry(kb, "office-mediation-unsuitable")
    says(item, "已经报了警的民间纠纷", "仍然可以申请人民调解", "书面告知公安机关")
    assert "法院、公安、仲裁机构已经受理的" not in item.answer
    assert "人民调解法第十八条" in cited(item)


def test_an_on_the_spot_police_fine_goes_to_reconsideration_before_court(kb: KnowledgeBase) -> None:
    item = entry(kb, "admin-police-detention-appeal")
    says(item, "当场作出的处罚", "要先申请行政复议", "六个月内直接向法院起诉")
    assert {"行政复议法第二十三条", "行政诉讼法第四十六条", "行政复议法第二十条"} <= cited(item)


def test_a_wife_whose_husband_has_worked_away_over_a_year_may_sue_at_her_own_court(kb: KnowledgeBase) -> None:
    item = entry(kb, "marriage-divorce-where-to-sue")
    says(item, "离开住所地超过一年", "在自己住所地的法院起诉")
    assert "民诉法解释第十二条" in cited(item)


def test_a_chinese_party_registers_a_foreign_marriage_with_the_id_card_and_an_apostille_suffices(
    kb: KnowledgeBase,
) -> None:
    item = entry(kb, "foreign-marriage-registration")
    says(item, "带本人身份证", "不再要户口簿", "附加证明书")
    assert "户口簿和身份证" not in item.answer
    assert "婚姻登记条例" not in {c.law for c in item.citations}  # the 2003 text is superseded


def test_a_worker_paid_cash_instead_of_social_insurance_may_have_to_return_it_after_the_arrears_are_paid(
    kb: KnowledgeBase,
) -> None:
    item = entry(kb, "labour-social-insurance")
    says(item, "是无效的", "劳动争议司法解释（二）", "单位补缴社保后，可以要你退回", "12333")
    assert {"劳动合同法第二十六条", "劳动合同法第三十八条"} <= cited(item)


# -- section 2: the other entries


def test_a_house_paid_in_full_by_one_sides_parents_after_marriage_may_go_to_their_child(kb: KnowledgeBase) -> None:
    item = entry(kb, "marriage-parents-contribution")
    says(item, "一方父母出了全款", "判给出钱一方的孩子", "以出资来源和比例为基础")
    assert "没约定的一般算给夫妻双方" not in item.answer
    assert {"婚姻家庭编解释（二）第八条", "婚姻家庭编解释（一）第二十九条"} <= cited(item)


def test_a_dismissal_for_serious_misconduct_carries_no_compensation_and_high_earners_are_capped(
    kb: KnowledgeBase,
) -> None:
    item = entry(kb, "labour-dismissal-compensation")
    says(item, "单位依法开除的，没有经济补偿", "三倍", "最多算十二年")
    assert {"劳动合同法第三十九条", "劳动合同法第四十六条", "劳动合同法第四十七条"} <= cited(item)


def test_an_innocent_spouse_who_was_the_defendant_may_claim_damages_in_a_later_suit(kb: KnowledgeBase) -> None:
    item = entry(kb, "marriage-divorce-damages")
    says(item, "你是原告的，要在离婚诉讼中一并提出", "你是被告", "以后可以单独起诉")
    assert {"婚姻家庭编解释（一）第八十八条", "婚姻家庭编解释（一）第八十九条"} <= cited(item)


def test_an_unpaid_helpers_injury_rests_on_the_helpers_rule_of_the_injury_interpretation(kb: KnowledgeBase) -> None:
    item = entry(kb, "injury-helper-unpaid")
    says(item, "各自的过错", "明确拒绝过帮忙的，不用赔", "可以找第三人赔")
    assert "人身损害赔偿解释第五条" in cited(item)


def test_a_ship_collision_follows_the_maritime_code_and_injured_people_may_claim_from_any_ship_at_fault(
    kb: KnowledgeBase,
) -> None:
    item = entry(kb, "maritime-ship-collision")
    says(item, "由海商法专门规定", "连带赔偿责任", "具体以现行条文为准")
    assert "按各自过失大小分担。" not in item.answer
    assert cited(item) == {"民法典第十一条", "民事诉讼法第三十一条"}


def test_sea_cargo_loss_follows_the_maritime_code_not_the_civil_codes_carriage_rules(kb: KnowledgeBase) -> None:
    item = entry(kb, "maritime-cargo-loss")
    says(item, "由海商法专门规定", "免责的情形和赔偿限额", "书面通知承运人")
    assert not {label for label in cited(item) if label.startswith("民法典第八百三")}
    assert "民法典第十一条" in cited(item)


def test_ten_times_the_price_for_unsafe_food_rests_on_the_food_safety_law(kb: KnowledgeBase) -> None:
    item = entry(kb, "consumer-food-safety")
    says(item, "价款十倍或损失三倍", "不足一千元的按一千元算", "接到要求的一方要先赔")
    assert "食品安全法第一百四十八条" in cited(item)


def test_a_criminal_reconciliation_may_be_mediated_by_a_peoples_mediation_committee(kb: KnowledgeBase) -> None:
    item = entry(kb, "criminal-reconciliation")
    says(item, "请人民调解委员会帮着调解", "审查是否自愿、合法", "主持制作和解协议书")
    assert "也不走人民调解" not in item.answer
    assert {"刑事诉讼法第二百八十九条", "刑诉法解释第五百八十七条"} <= cited(item)


def test_land_compensation_is_shared_out_by_the_collectives_members_assembly(kb: KnowledgeBase) -> None:
    item = entry(kb, "demolition-land-compensation-share")
    says(item, "成员大会", "没有成立集体经济组织的，由村民会议", "农村集体经济组织法")
    assert "村民委员会组织法第二十四条" in cited(item)


# -- section 1 and 2: the legal-aid pre-check


def test_a_migrant_worker_without_a_contract_who_is_owed_wages_is_presumed_eligible(legal_aid: LegalAidRules) -> None:
    words = "我是农民工，没签劳动合同，老板不给工资"
    matter, statuses = legal_aid.match_matter(words), legal_aid.match_statuses(words)
    assert (matter, statuses) == ("labour_relationship", {"migrant_worker"})
    result = check(legal_aid, matter, set(statuses), HIGH)
    assert result.verdict == "likely_eligible"
    assert result.hardship_rule is None  # 免予核查: no income test
    assert any(r.citation == "法律援助法第四十二条" for r in result.reasons)
    assert not legal_aid.needs_finances(PrecheckAnswers(matter=matter, statuses=statuses))


@pytest.mark.parametrize(
    ("ground", "matter", "finances", "verdict"),
    [
        ("hero_martyr_family", "private_lending", NONE, "likely_not"),  # the audit's loan dispute
        ("abuse_or_dv_victim", "contract_business", NONE, "likely_not"),  # the audit's contract dispute
        ("good_samaritan", "traffic_accident", HIGH, "likely_not"),  # a listed matter: the income test decides
        ("good_samaritan", "traffic_accident", LOW, "likely_eligible"),
        ("abuse_or_dv_victim", "unpaid_wages", NONE, "needs_review"),  # income not known yet
    ],
)
def test_an_article_32_ground_does_not_lift_the_means_test_for_an_unrelated_matter(
    legal_aid: LegalAidRules,
    ground: str,
    matter: str,
    finances: tuple[int | None, Decimal | None],
    verdict: str,
) -> None:
    result = check(legal_aid, matter, {ground}, finances)
    assert result.verdict == verdict
    text = result.text()
    assert "不受经济困难条件限制，只适用于" in text and "按一般条件看" in text
    assert "不用审查收入" not in text  # the ground's own exemption is not granted
    listed = next(m for m in legal_aid.matters if m.id == matter).kind == "covered"
    assert (result.hardship_rule is not None) == listed
    assert legal_aid.needs_finances(PrecheckAnswers(matter=matter, statuses=frozenset({ground}))) == listed


@pytest.mark.parametrize(
    ("ground", "matter"),
    [
        ("hero_martyr_family", "hero_martyr_rights"),
        ("good_samaritan", "good_samaritan_claim"),
        ("retrial_acquittal_compensation", "state_compensation"),
        ("abuse_or_dv_victim", "abuse_protection"),
        ("abuse_or_dv_victim", "divorce_property"),
    ],
)
def test_an_article_32_ground_lifts_the_means_test_for_the_claim_it_names(
    legal_aid: LegalAidRules, ground: str, matter: str
) -> None:
    result = check(legal_aid, matter, {ground}, HIGH)
    assert result.verdict == "likely_eligible" and result.hardship_rule is None
    assert not legal_aid.needs_finances(PrecheckAnswers(matter=matter, statuses=frozenset({ground})))


@pytest.mark.parametrize("ground", ["retrial_acquittal_compensation", "abuse_or_dv_victim"])
def test_a_retrial_not_yet_ordered_stays_for_the_office_whatever_ground_is_named(
    legal_aid: LegalAidRules, ground: str
) -> None:
    result = check(legal_aid, "retrial", {ground}, LOW)
    assert result.verdict == "needs_review"
    assert any(r.citation == "法律援助法第三十三条" for r in result.reasons)


def test_a_claim_a_ground_names_without_the_ground_is_left_to_the_office(legal_aid: LegalAidRules) -> None:
    result = check(legal_aid, "hero_martyr_rights")
    assert result.verdict == "needs_review"
    assert any("由法律援助机构确认" in r.text for r in result.reasons)


@pytest.mark.parametrize("matter", ["divorce_property", "inheritance"])
@pytest.mark.parametrize(
    ("statuses", "finances"),
    [(set(), LOW), (set(), NONE), ({"social_assistance"}, NONE)],
    ids=["within-the-standard", "income-not-given", "low-income-household"],
)
def test_marriage_and_inheritance_which_provinces_often_add_are_for_the_office_to_review(
    legal_aid: LegalAidRules, matter: str, statuses: set[str], finances: tuple[int | None, Decimal | None]
) -> None:
    result = check(legal_aid, matter, statuses, finances)
    assert result.verdict == "needs_review"
    assert "有些省份的规定" in result.reasons[0].text
    assert result.reasons[0].citation == "法律援助法第三十一条"
    assert legal_aid.needs_finances(PrecheckAnswers(matter=matter))


def test_only_a_lawyer_already_engaged_stops_the_precheck(legal_aid: LegalAidRules) -> None:
    text = check(legal_aid, "unpaid_wages", has_lawyer=True).text()
    assert "您已经请了律师。" in text and "律师或者代理人" not in text
    responses = yaml.safe_load((ROOT / "bot/domain/form_responses.yml").read_text(encoding="utf-8"))
    question = responses["responses"]["utter_ask_has_lawyer"][0]["text"]
    assert "律师" in question and "代理人" not in question and "家里人" in question


# -- sections 4 and 5: notarization and mediation


def test_notarization_guidance_says_it_is_not_a_lawyers_opinion() -> None:
    catalogue = NotarizationRules.load()
    for matter in catalogue.matters:
        text = catalogue.guidance(matter.id, notary_office="公证处", assistance_point="司法所")
        assert text.splitlines()[-1] == catalogue.data.texts.disclaimer
        assert "不是律师的法律意见" in text


def test_a_dispute_the_police_have_seen_is_not_refused_by_mediation(mediation: MediationRules) -> None:
    words = "打架的事已经报警了，派出所在处理"
    assert mediation.check_exclusion(words) is None
    assert "police-accepted" not in {e.id for e in mediation.exclusions}
    dispute_type = mediation.match_dispute_type(words)
    assert dispute_type == "damage"
    reply = mediation.routing_text(mediation.route(dispute_type), dispute_type)
    for phrase in ("已经报了警的也可以申请人民调解", "人民调解委员会调解达成协议并履行", "书面告知公安机关"):
        assert phrase in reply


def test_no_mediation_text_rests_on_a_superseded_statute(mediation: MediationRules, statutes: StatuteLibrary) -> None:
    assert "治安管理处罚法" in statutes.superseded  # the 2012 text is served only with its warning
    assert not [where for where, c in mediation.citations() if c.law in statutes.superseded]


def test_one_party_may_apply_for_medical_mediation(mediation: MediationRules) -> None:
    note = mediation.dispute_type("medical").note or ""
    assert "也可以一方先申请" in note and "征得另一方同意后调解" in note
    assert "由医患双方共同申请，" not in note


def test_the_administrative_exclusion_names_reconsideration_first_cases_and_the_six_month_limit(
    mediation: MediationRules,
) -> None:
    exclusion = next(e for e in mediation.exclusions if e.id == "administrative")
    for phrase in ("六十天内申请行政复议", "六个月内直接到法院", "当场作出的处罚", "要先申请行政复议"):
        assert phrase in exclusion.advice
    assert {"行政复议法第二十三条", "行政诉讼法第四十六条"} <= {c.label for c in exclusion.citations}


def test_the_usual_thirty_days_of_mediation_names_where_it_comes_from(mediation: MediationRules) -> None:
    assert "《人民调解工作若干规定》" in mediation.info_text()
