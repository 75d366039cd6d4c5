"""The legal-aid data: its citations checked against the statute text, every item of the articles, and
data or answers that are wrong refused (at load, naming the file)."""

from __future__ import annotations

import copy
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from legal_aid_helpers import RULES, raw_data

from knowledge.legal_aid.rules import LegalAidRules, PrecheckAnswers
from knowledge.legal_aid.schema import LEGAL_AID_FILE
from knowledge.statutes import StatuteLibrary

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
    legal_aid_rules: LegalAidRules, statutes: StatuteLibrary, article: str, collection: str
) -> None:
    items = {
        entry.item
        for entry in getattr(legal_aid_rules, collection)
        if entry.citation is not None and entry.citation.article == article
    }
    assert items == items_in_article(statutes, article)


def test_the_data_file_says_it_is_an_example() -> None:
    head = LEGAL_AID_FILE.read_text(encoding="utf-8")[:400]
    assert "EXAMPLE" in head and "示例区" in head


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
def test_unknown_ids_are_errors(legal_aid_rules: LegalAidRules, answers: dict[str, Any]) -> None:
    parsed = PrecheckAnswers.model_validate(answers)
    with pytest.raises(ValueError, match="unknown"):
        legal_aid_rules.precheck(parsed)
    if "urgent" not in answers:
        with pytest.raises(ValueError, match="unknown"):
            legal_aid_rules.needs_finances(parsed)


def test_money_is_decimal_and_shown_to_the_cent(legal_aid_rules: LegalAidRules) -> None:
    answers = PrecheckAnswers(matter="unpaid_wages", household_size=3, monthly_household_income="5000")
    assert answers.monthly_household_income == Decimal("5000")
    assert "1666.67" in legal_aid_rules.precheck(answers).text()


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
