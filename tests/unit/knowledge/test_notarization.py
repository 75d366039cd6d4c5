"""The notarization catalogue as residents rely on it: honest citations, right matters, right fees."""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from knowledge.entries import Citation
from knowledge.notarization.rules import NotarizationRules
from knowledge.notarization.schema import NOTARIZATION_FILE
from knowledge.statutes import StatuteLibrary

OFFICE = "示例区公证处（青石街道文庙路18号，周一至周五 9:00–17:00，电话010-55550148）"
POINT = "桃源镇司法所"


@pytest.fixture(scope="module")
def catalogue() -> NotarizationRules:
    return NotarizationRules.load()


@pytest.fixture
def raw() -> dict[str, Any]:
    """The shipped data as a plain dict, to break in one place per test."""
    data: dict[str, Any] = yaml.safe_load(NOTARIZATION_FILE.read_text(encoding="utf-8"))
    return copy.deepcopy(data)


def all_citations() -> list[tuple[str, Citation]]:
    return NotarizationRules.load().citations()


def test_catalogue_has_enough_matters_with_unique_ids_and_materials(catalogue: NotarizationRules) -> None:
    ids = [matter.id for matter in catalogue.matters]
    assert len(ids) >= 22
    assert len(set(ids)) == len(ids)
    for matter in catalogue.matters:
        assert matter.materials and all(m.strip() for m in matter.materials), matter.id
        assert matter.aliases, matter.id


def test_data_says_it_is_an_example_district() -> None:
    head = NOTARIZATION_FILE.read_text(encoding="utf-8").splitlines()[0]
    assert "EXAMPLE" in head and "示例区" in head


@pytest.mark.parametrize(
    ("owner", "citation"), all_citations(), ids=lambda value: value if isinstance(value, str) else value.label
)
def test_every_citation_exists_and_says_what_the_data_claims(
    statutes: StatuteLibrary, owner: str, citation: Citation
) -> None:
    assert citation.law in statutes.laws(), f"{owner}: law {citation.law} is not among the shipped statutes"
    article = statutes.article(citation.law, citation.article)
    assert article is not None, f"{owner}: {citation.label} does not exist"
    missing = [k for k in citation.keywords if k not in article.text]
    assert not missing, f"{owner}: {citation.label} does not contain {missing}"


def test_the_statute_names_exactly_the_matters_marked_in_person_by_statute(
    catalogue: NotarizationRules, statutes: StatuteLibrary
) -> None:
    by_statute = {m.id for m in catalogue.matters if m.in_person_by_statute}
    assert by_statute == {"will", "alive", "adoption"}
    article = statutes.article("公证法", "第二十六条")
    assert article is not None and "遗嘱、生存、收养关系" in article.text


def test_in_person_matters_are_exactly_the_listed_ones(catalogue: NotarizationRules) -> None:
    # By statute (art. 26) plus personal acts the offices require the person for (signing,
    # declaring, disposing of one's property); everything else may be done by an agent.
    in_person = {m.id for m in catalogue.matters if m.in_person}
    assert in_person == {
        "will",
        "alive",
        "adoption",
        "renounce-inheritance",
        "power-of-attorney",
        "declaration",
        "gift",
        "signature-seal",
        "premarital-property",
        "legacy-support",
        "voluntary-guardianship",
    }


def test_only_wills_powers_declarations_and_gifts_escape_the_real_estate_rule(catalogue: NotarizationRules) -> None:
    # 公证法第二十五条第二款: only these may use the general rule when real estate is involved.
    escaping = {m.id for m in catalogue.matters if m.office_rule == "general_even_for_property"}
    assert escaping == {"will", "power-of-attorney", "declaration", "renounce-inheritance", "gift"}
    assert catalogue.get("inheritance").office_rule == "property"
    assert catalogue.get("contract").office_rule == "property"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我想给房子办个公证，我爸留下的", "inheritance"),
        ("我爸去世了，他的存款取不出来", "inheritance"),
        ("我妈想立个遗嘱，把房子留给我", "will"),
        ("爸妈留下的房子我那份不要了，给我哥", "renounce-inheritance"),
        ("我在外地回不来，想让我弟帮我卖房子", "power-of-attorney"),
        ("我爸想把房子过户给我儿子", "gift"),
        ("要证明我和我妈是母子关系", "kinship"),
        ("孩子出国要出生证明", "birth"),
        ("国外的养老金要证明我还活着", "alive"),
        ("办个单身证明，我没结过婚", "marital-status"),
        ("毕业证要公证一下", "education"),
        ("出国工作要开无犯罪记录", "criminal-record"),
        ("去国外开车，驾照要公证吗", "driving-licence"),
        ("网上有人骂我，想把网页截图固定下来当证据", "evidence-preservation"),
        ("复印件要公证和原件一样", "copy-matches-original"),
        ("兄弟三个分家，想把协议公证一下", "property-division"),
        ("借钱给亲戚，怕他不还，能公证吗", "loan-enforceable"),
        ("我们想领养一个孩子", "adoption"),
        ("婚前买的房子想写个协议归我自己", "premarital-property"),
        ("单位要我办个签名公证", "signature-seal"),
        ("找个人给我养老送终，房子以后归他", "legacy-support"),
        ("怕以后老年痴呆了没人管，想提前定个监护人", "voluntary-guardianship"),
        ("国外要求的文件要办海牙认证吗", "for-use-abroad"),
    ],
)
def test_match_puts_the_matter_residents_mean_first(catalogue: NotarizationRules, text: str, expected: str) -> None:
    found = catalogue.match(text)
    assert found, text
    assert found[0].id == expected, [m.id for m in found]


@pytest.mark.parametrize("text", ["今天天气怎么样", "老板拖欠工资怎么办", "邻居家漏水把我家淹了", "我想办个公证", ""])
def test_match_returns_nothing_for_unrelated_or_unspecific_text(catalogue: NotarizationRules, text: str) -> None:
    assert catalogue.match(text) == []


def test_match_respects_the_limit_and_a_longer_phrase_wins(catalogue: NotarizationRules) -> None:
    assert len(catalogue.match("出国留学要毕业证、出生证明和无犯罪记录公证", limit=2)) == 2
    # 继承 inside 放弃继承 does not count for inheritance.
    assert [m.id for m in catalogue.match("我想放弃继承")] == ["renounce-inheritance"]


def test_get_unknown_matter_names_it(catalogue: NotarizationRules) -> None:
    with pytest.raises(KeyError, match="no-such-matter"):
        catalogue.get("no-such-matter")


def test_fixed_fee_is_quoted_per_piece(catalogue: NotarizationRules) -> None:
    quote = catalogue.fee("will")
    assert quote.amount == Decimal(300)
    assert "300元" in quote.basis
    # A value does not change a fixed fee.
    assert catalogue.fee("birth", Decimal(5)).amount == Decimal(80)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal(0), Decimal(200)),  # minimum
        (Decimal(10000), Decimal(200)),  # 50 by the scale, below the minimum
        (Decimal(40000), Decimal(200)),  # exactly the minimum
        (Decimal(100000), Decimal(500)),  # top of the first bracket: 0.5%
        (Decimal(100001), Decimal("500.00")),  # one yuan at 0.3% rounds away
        (Decimal(500000), Decimal(1700)),  # + 400 000 × 0.3%
        (Decimal(1000000), Decimal(2700)),  # + 500 000 × 0.2%
        (Decimal(2000000), Decimal(3700)),  # + 1 000 000 × 0.1%
        (Decimal("123456.78"), Decimal("570.37")),  # 500 + 23 456.78 × 0.3% = 570.370…
    ],
)
def test_contract_fee_is_computed_by_marginal_brackets(
    catalogue: NotarizationRules, value: Decimal, expected: Decimal
) -> None:
    quote = catalogue.fee("contract", value)
    assert quote.amount == expected
    assert "标的额" in quote.basis


def test_inheritance_fee_uses_its_own_scale(catalogue: NotarizationRules) -> None:
    assert catalogue.fee("inheritance", Decimal(200000)).amount == Decimal(2000)
    assert catalogue.fee("inheritance", Decimal(500000)).amount == Decimal(4400)
    assert catalogue.fee("inheritance", Decimal(15000)).amount == Decimal(200)  # 150 → minimum


def test_minimum_fee_is_explained(catalogue: NotarizationRules) -> None:
    quote = catalogue.fee("contract", Decimal(10000))
    assert "最低200元" in quote.basis and "1万元" in quote.basis


def test_value_based_fee_without_a_value_asks_for_it(catalogue: NotarizationRules) -> None:
    quote = catalogue.fee("inheritance")
    assert quote.amount is None
    assert "继承的遗产价值" in quote.basis and "20万元以下的部分按1%" in quote.basis and "最低200元" in quote.basis


def test_negative_value_is_refused(catalogue: NotarizationRules) -> None:
    with pytest.raises(ValueError, match="negative"):
        catalogue.fee("contract", Decimal(-1))


def test_guidance_lists_materials_office_timeline_and_assistance_point(catalogue: NotarizationRules) -> None:
    text = catalogue.guidance("inheritance", notary_office=OFFICE, assistance_point=POINT)
    for material in catalogue.get("inheritance").materials:
        assert material in text
    assert OFFICE in text
    assert "15个工作日" in text and "不算在15个工作日里" in text
    assert "不动产所在地" in text
    assert f"{POINT}设有公证协办点" in text and "预约" in text and "不出具公证书" in text
    assert "第二十六条" not in text  # inheritance is not among art. 26's matters


def test_guidance_cites_article_26_only_for_its_matters(catalogue: NotarizationRules) -> None:
    for matter_id in ("will", "alive", "adoption"):
        text = catalogue.guidance(matter_id, notary_office=OFFICE, assistance_point=POINT)
        assert "《公证法》第二十六条" in text, matter_id
        assert "公证法第二十六条" in catalogue.citation_labels(matter_id)
    for matter_id in ("power-of-attorney", "birth", "signature-seal"):
        text = catalogue.guidance(matter_id, notary_office=OFFICE, assistance_point=POINT)
        assert "第二十六条" not in text, matter_id


def test_guidance_gives_the_reduction_only_when_eligible(catalogue: NotarizationRules) -> None:
    reduction = catalogue.data.fee_reduction
    eligible = catalogue.guidance("will", notary_office=OFFICE, assistance_point=POINT, eligible_for_legal_aid=True)
    assert reduction.eligible in eligible and "《公证法》第三十四条" in eligible
    plain = catalogue.guidance("will", notary_office=OFFICE, assistance_point=POINT)
    assert reduction.eligible not in plain and "第三十四条" not in plain
    assert reduction.not_eligible in plain
    assert "300元" in plain


def test_guidance_for_every_matter_renders(catalogue: NotarizationRules) -> None:
    for matter in catalogue.matters:
        text = catalogue.guidance(matter.id, notary_office=OFFICE, assistance_point=POINT)
        assert matter.title in text and "{" not in text, matter.id


def test_loading_rejects_duplicate_matter_ids(raw: dict[str, Any]) -> None:
    raw["matters"].append(copy.deepcopy(raw["matters"][0]))
    with pytest.raises(ValueError, match="duplicate matter id"):
        NotarizationRules.from_dict(raw)


def test_loading_rejects_a_negative_fee(raw: dict[str, Any]) -> None:
    raw["fee_scale"]["items"][0]["yuan"] = -10
    with pytest.raises(ValueError, match="greater than or equal to 0"):
        NotarizationRules.from_dict(raw)


def test_loading_rejects_descending_brackets_and_a_closed_top(raw: dict[str, Any]) -> None:
    value_item = next(item for item in raw["fee_scale"]["items"] if item["kind"] == "value")
    broken = copy.deepcopy(raw)
    target = next(item for item in broken["fee_scale"]["items"] if item["id"] == value_item["id"])
    target["brackets"][1]["up_to"] = 50000
    with pytest.raises(ValueError, match="must increase"):
        NotarizationRules.from_dict(broken)
    target["brackets"] = [{"up_to": 100000, "rate_percent": 1}]
    with pytest.raises(ValueError, match="only the last bracket is open"):
        NotarizationRules.from_dict(broken)


def test_loading_rejects_an_unknown_fee_item_and_a_misplaced_article_26(raw: dict[str, Any]) -> None:
    broken = copy.deepcopy(raw)
    broken["matters"][0]["fee_item"] = "no-such-fee"
    with pytest.raises(ValueError, match="unknown fee item"):
        NotarizationRules.from_dict(broken)
    # A matter the statute does not name must not claim art. 26 as its ground.
    birth = next(m for m in raw["matters"] if m["id"] == "birth")
    birth["citations"].append({"law": "公证法", "article": "第二十六条", "keywords": ["本人办理公证"]})
    with pytest.raises(ValueError, match="第二十六条"):
        NotarizationRules.from_dict(raw)


def test_loading_rejects_a_template_with_an_unknown_placeholder(raw: dict[str, Any]) -> None:
    raw["texts"]["where"] += "{telephone}"
    with pytest.raises(ValueError, match="telephone"):
        NotarizationRules.from_dict(raw)


def test_load_names_the_file_on_error(tmp_path: Path, raw: dict[str, Any]) -> None:
    raw["fee_scale"]["items"][0]["yuan"] = -1
    path = tmp_path / "broken-notarization.yml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match=r"broken-notarization\.yml"):
        NotarizationRules.load(path)
