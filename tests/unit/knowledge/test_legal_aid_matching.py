"""What the legal-aid form relies on from the rules: residents' words matched to matters, statuses and urgent
situations, and whether the finances still need asking."""

from __future__ import annotations

from typing import Any

import pytest

from knowledge.legal_aid.rules import LegalAidRules, PrecheckAnswers

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
def test_match_matter_on_colloquial_phrasings(legal_aid_rules: LegalAidRules, text: str, matter: str) -> None:
    assert legal_aid_rules.match_matter(text) == matter


@pytest.mark.parametrize("text", ["你好", "今天天气怎么样", ""])
def test_match_matter_finds_nothing_in_unrelated_words(legal_aid_rules: LegalAidRules, text: str) -> None:
    assert legal_aid_rules.match_matter(text) is None


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
def test_match_statuses_on_colloquial_phrasings(legal_aid_rules: LegalAidRules, text: str, statuses: set[str]) -> None:
    assert legal_aid_rules.match_statuses(text) == statuses


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
def test_match_urgent_on_colloquial_phrasings(legal_aid_rules: LegalAidRules, text: str, situations: set[str]) -> None:
    assert legal_aid_rules.match_urgent(text) == situations


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
def test_needs_finances(legal_aid_rules: LegalAidRules, answers: dict[str, Any], needed: bool) -> None:
    assert legal_aid_rules.needs_finances(PrecheckAnswers.model_validate(answers)) is needed
