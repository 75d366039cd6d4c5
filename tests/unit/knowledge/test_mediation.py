"""People's mediation rules: what is (not) for mediation, which committee, what residents hear."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from knowledge.entries import Citation
from knowledge.mediation import MEDIATION_FILE, Committee, MediationRules
from knowledge.offices import Gazetteer, Offices
from knowledge.statutes import StatuteLibrary


@pytest.fixture(scope="module")
def offices() -> Offices:
    return Offices.load()


@pytest.fixture(scope="module")
def rules(offices: Offices) -> MediationRules:
    return MediationRules.load(offices=offices)


@pytest.fixture
def raw() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(MEDIATION_FILE.read_text(encoding="utf-8"))
    return data


def committee(data: dict[str, Any], committee_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in data["committees"] if c["id"] == committee_id)
    return found


def all_citations() -> list[tuple[str, Citation]]:
    return MediationRules.load().citations()


@pytest.mark.parametrize(("where", "citation"), all_citations(), ids=lambda v: v if isinstance(v, str) else v.label)
def test_every_citation_exists_and_says_what_the_data_claims(
    statutes: StatuteLibrary, where: str, citation: Citation
) -> None:
    assert citation.law in statutes.laws(), f"{where}: {citation.law} is not among the shipped statutes"
    article = statutes.article(citation.law, citation.article)
    assert article is not None, f"{where}: {citation.label} does not exist"
    missing = [k for k in citation.keywords if k not in article.text]
    assert not missing, f"{where}: {citation.label} does not contain {missing}"


def test_the_info_text_covers_what_every_resident_must_hear(rules: MediationRules) -> None:
    text = rules.info_text()
    for phrase in ("自愿", "不收任何费用", "仲裁", "起诉", "不愿意调解", "法律约束力", "司法确认", "三十天"):
        assert phrase in text, phrase
    for label in ("第三条", "第四条", "第十七条", "第二十六条", "第三十一条", "第三十三条"):
        assert label in text, label


def test_the_usual_timeline_is_thirty_days_extendable(rules: MediationRules) -> None:
    assert rules.timeline_days == 30
    assert rules.timeline.extendable_by_agreement
    assert "延长" in rules.timeline.text


@pytest.mark.parametrize(
    ("text", "exclusion", "office"),
    [
        ("他把我打成重伤了，我要调解", "criminal", "police"),
        ("邻居把我家的电动车偷走了，想私了", "criminal", "police"),
        ("有人冒充客服诈骗了我三万块", "criminal", "police"),
        ("法院判了他还是不给钱，能调解吗", "judgment", "court"),
        ("我已经起诉了，还能找调解员吗", "in-court", "court"),
        ("案子法院已经立案了，下个月开庭", "in-court", "court"),
        ("我已经申请仲裁了，厂里又说要调解", "arbitration-accepted", "labour-arbitration"),
        ("城管罚款不服，能调解吗", "administrative", "justice-office"),
        ("镇上强拆我家房子，想找人调解", "administrative", "justice-office"),
        ("我要举报村干部贪污低保款", "complaint-officials", "letters-visits"),
    ],
)
def test_matters_not_for_mediation_say_where_to_go(
    rules: MediationRules, offices: Offices, text: str, exclusion: str, office: str
) -> None:
    found = rules.check_exclusion(text)
    assert found is not None and found.id == exclusion
    assert found.go_to == office
    reply = rules.exclusion_text(found)
    assert offices.display(office) in reply and found.advice in reply


@pytest.mark.parametrize(
    "text",
    [
        "邻居家漏水把我家天花板泡了",
        "朋友借钱不还",
        "跟老公闹离婚，孩子归谁",
        "老板欠了三个月工资",
        "物业乱收停车费",
        "打架的事已经报警了，派出所在处理",  # the police having seen it does not bar mediation
    ],
)
def test_ordinary_disputes_are_not_excluded(rules: MediationRules, text: str) -> None:
    assert rules.check_exclusion(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("老公天天喝酒，我想离婚，家里的钱咋分", "marriage-family"),
        ("儿子儿媳不给我养老钱", "marriage-family"),
        ("兄弟几个分家，老宅谁也不让谁", "marriage-family"),
        ("老板拖了我三个月工钱", "labour-wages"),
        ("包工头跑了，干活的钱没给", "labour-wages"),
        ("在路口被电动车撞了，对方不肯赔", "traffic"),
        ("在镇医院做完手术落下毛病了", "medical"),
        ("物业费涨了还天天停电梯", "property-management"),
        ("楼上天天半夜剁肉，吵得睡不着", "neighbour"),
        ("隔壁家空调水滴到我家窗台上", "neighbour"),
        ("村里把我家的责任田分给别人种了", "land-contract"),
        ("他家盖房把地基占到我家院子里了", "housing-homestead"),
        ("房东不退押金", "rental"),
        ("网上买的衣服有质量问题商家不给退", "consumer"),
        ("朋友借了我两万块钱一直不还", "debt"),
        ("他家的鸡鸭把我家庄稼吃了", "damage"),
        ("合伙做生意赔了钱，对方不认账", "contract"),
    ],
)
def test_colloquial_descriptions_find_their_dispute_type(rules: MediationRules, text: str, expected: str) -> None:
    assert rules.match_dispute_type(text) == expected


def test_unrelated_text_matches_no_dispute_type(rules: MediationRules) -> None:
    assert rules.match_dispute_type("今天天气真好") is None


def test_dispute_types_cover_what_residents_bring(rules: MediationRules) -> None:
    ids = {t.id for t in rules.dispute_types}
    assert {"marriage-family", "neighbour", "housing-homestead", "land-contract", "labour-wages"} <= ids
    assert {"property-management", "traffic", "medical", "consumer", "debt", "damage", "other"} <= ids
    assert all(t.keywords for t in rules.dispute_types if t.id != "other")


def sample_places() -> list[str]:
    """Per division: the division itself and one of its villages or communities."""
    gazetteer = Gazetteer.load()
    return [name for d in gazetteer.divisions for name in (d.name, d.places[-1].name)]


def dispute_type_ids() -> list[str]:
    return [t.id for t in MediationRules.load().dispute_types]


def covers(gazetteer: Gazetteer, c: Committee, place: str) -> bool:
    ref = gazetteer.resolve(place)
    assert ref is not None
    return bool({ref.name, ref.division, gazetteer.district} & set(c.places))


@pytest.mark.parametrize("place", sample_places())
@pytest.mark.parametrize("dispute_type", dispute_type_ids())
def test_routing_follows_the_documented_order(
    rules: MediationRules, offices: Offices, dispute_type: str, place: str
) -> None:
    gazetteer = offices.gazetteer
    routed = rules.route(dispute_type, place)
    assert routed.takes(dispute_type)
    trade = [c for c in rules.committees if c.kind == "trade" and c.takes(dispute_type) and covers(gazetteer, c, place)]
    local = [c for c in rules.committees if c.kind in ("village", "community") and place in c.places]
    division = [c for c in rules.committees if c.kind == "division" and covers(gazetteer, c, place)]
    if trade:
        assert routed == trade[0]
    elif local:
        assert routed == local[0]
    else:
        assert routed == division[0]


@pytest.mark.parametrize(
    ("dispute_type", "place", "expected"),
    [
        ("medical", "杏花村", "trade-medical"),
        ("traffic", None, "trade-traffic"),  # district-wide trade committee needs no place
        ("property-management", "新华社区", "trade-property"),
        ("property-management", "白沙工业园社区", "trade-property"),
        ("property-management", "石门村", "shimen-village"),  # no property committee out there
        ("neighbour", "文庙社区", "wenmiao-community"),
        ("land-contract", "马家沟", "majiagou-village"),  # alias
        ("debt", "龙泉乡", "longquan-township"),
        ("debt", None, "justice-office-window"),
        ("debt", "火星村", "justice-office-window"),  # unknown place: as if none given
        ("property-management", "桃源镇", "taoyuan-town"),
    ],
)
def test_routing_examples(rules: MediationRules, dispute_type: str, place: str | None, expected: str) -> None:
    assert rules.route(dispute_type, place).id == expected


def test_routing_falls_back_to_the_division_and_then_the_justice_office(raw: dict[str, Any], offices: Offices) -> None:
    raw["committees"] = [c for c in raw["committees"] if c["id"] != "xinghua-village"]
    rules = MediationRules.from_dict(raw, offices)
    assert rules.route("debt", "杏花村").id == "taoyuan-town"
    committee(raw, "taoyuan-town")["dispute_types"] = ["neighbour"]
    rules = MediationRules.from_dict(raw, offices)
    assert rules.route("neighbour", "杏花村").id == "taoyuan-town"
    assert rules.route("debt", "杏花村").id == "justice-office-window"


def test_routing_an_unknown_dispute_type_raises(rules: MediationRules) -> None:
    with pytest.raises(KeyError, match="gambling"):
        rules.route("gambling", "桃源村")


def test_the_justice_office_window_takes_its_details_from_the_office(rules: MediationRules, offices: Offices) -> None:
    window = rules.committee("justice-office-window")
    justice = offices.get("justice-office")
    assert (window.address, window.phone, window.hours) == (justice.address, justice.phone, justice.hours)


def test_routing_text_says_where_when_and_the_type_note(rules: MediationRules) -> None:
    routed = rules.route("labour-wages", "白沙村")
    text = rules.routing_text(routed, "labour-wages")
    for part in (routed.name, routed.address, routed.phone, routed.hours.text, "十五天"):
        assert part in text
    assert "十五天" not in rules.routing_text(routed)


def modify_unknown_type(data: dict[str, Any]) -> None:
    committee(data, "trade-medical")["dispute_types"] = ["astrology"]


def modify_unknown_office(data: dict[str, Any]) -> None:
    data["exclusions"][0]["go_to"] = "fire-brigade"


def modify_duplicate(data: dict[str, Any]) -> None:
    data["committees"].append(copy.deepcopy(committee(data, "shimen-village")))


def modify_place(data: dict[str, Any]) -> None:
    committee(data, "shimen-village")["places"] = ["火星村"]


def modify_village_lists_community(data: dict[str, Any]) -> None:
    committee(data, "shimen-village")["places"] = ["青石社区"]


def modify_division_missing(data: dict[str, Any]) -> None:
    data["committees"] = [c for c in data["committees"] if c["id"] != "baisha-town"]


def modify_trade_takes_all(data: dict[str, Any]) -> None:
    committee(data, "trade-medical")["dispute_types"] = "all"


def modify_office_and_address(data: dict[str, Any]) -> None:
    committee(data, "justice-office-window")["address"] = "某地"


def modify_article(data: dict[str, Any]) -> None:
    data["info"]["points"][0]["citations"][0]["article"] = "3"


def modify_area(data: dict[str, Any]) -> None:
    data["dispute_types"][0]["area"] = "星座运势"


def modify_no_window(data: dict[str, Any]) -> None:
    data["committees"] = [c for c in data["committees"] if c["kind"] != "office"]


def modify_two_local(data: dict[str, Any]) -> None:
    committee(data, "majiagou-village")["places"] = ["石门村"]


@pytest.mark.parametrize(
    ("modify", "message"),
    [
        (modify_unknown_type, "astrology"),
        (modify_unknown_office, "fire-brigade"),
        (modify_duplicate, "duplicate committee id"),
        (modify_place, "火星村"),
        (modify_village_lists_community, "青石社区"),
        (modify_division_missing, "白沙镇"),
        (modify_trade_takes_all, "lists the dispute types"),
        (modify_office_and_address, "contact details from the office"),
        (modify_article, "article"),
        (modify_area, "unknown consultation area"),
        (modify_no_window, "kind office"),
        (modify_two_local, "two local committees"),
    ],
)
def test_bad_mediation_data_is_rejected(raw: dict[str, Any], offices: Offices, modify: Any, message: str) -> None:
    MediationRules.from_dict(raw, offices)  # the unmodified data loads
    modify(raw)
    with pytest.raises(ValueError, match=message):
        MediationRules.from_dict(raw, offices)
