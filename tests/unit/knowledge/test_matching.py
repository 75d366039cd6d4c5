"""The one folding of residents' text for matching, and the matchers that use it.

Residents type full-width letters, traditional characters, capitals and stray spaces; every
matcher compares their folded words with data that folding leaves unchanged.
"""

from __future__ import annotations

import pytest

from knowledge.legal_aid.rules import LegalAidRules
from knowledge.matching import compact, fold
from knowledge.mediation import MediationRules
from knowledge.notarization.rules import NotarizationRules


@pytest.mark.parametrize(
    ("typed", "folded", "compacted"),
    [
        ("ＡＢＣ１２３", "abc123", "abc123"),  # full-width letters and digits
        ("老闆拖欠工資", "老板拖欠工资", "老板拖欠工资"),  # traditional
        ("Wi-Fi 密碼", "wi-fi 密码", "wi-fi密码"),  # mixed case, traditional
        ("  法律\u3000援助\n申请  ", "法律 援助 申请", "法律援助申请"),  # ideographic space, line break
        ("工伤认定，怎么办？", "工伤认定,怎么办?", "工伤认定,怎么办?"),  # full-width punctuation
    ],
)
def test_fold_and_compact(typed: str, folded: str, compacted: str) -> None:
    assert fold(typed) == folded
    assert compact(typed) == compacted


def test_folding_is_idempotent() -> None:
    text = "ＡＢＣ 老闆  工資"
    assert fold(fold(text)) == fold(text)
    assert compact(compact(text)) == compact(text)


# The data is written in the folded form, so folding a resident's words is all matching needs.


def test_legal_aid_keywords_are_written_folded(legal_aid_rules: LegalAidRules) -> None:
    items = [*legal_aid_rules.matters, *legal_aid_rules.exemptions, *legal_aid_rules.presumed_statuses]
    words = [
        alternative
        for item in [*items, *legal_aid_rules.urgent_situations]
        for keyword in item.keywords
        for group in keyword.split("+")
        for alternative in group.split("|")
    ]
    assert words and [w for w in words if compact(w) != w] == []


def test_mediation_keywords_are_written_folded() -> None:
    rules = MediationRules.load()
    words = [k for t in rules.dispute_types for k in t.keywords] + [k for e in rules.exclusions for k in e.keywords]
    assert words and [w for w in words if compact(w) != w] == []


def test_notarization_aliases_are_written_folded() -> None:
    aliases = [alias for matter in NotarizationRules.load().matters for alias in matter.aliases]
    assert aliases and [a for a in aliases if fold(a) != a] == []


@pytest.mark.parametrize(
    ("typed", "plain"),
    [("老闆拖欠工資三個月了", "老板拖欠工资三个月了"), ("在工地上幹活 摔傷了腿", "在工地上干活摔伤了腿")],
)
def test_legal_aid_matches_traditional_and_spaced_words_as_their_plain_form(
    legal_aid_rules: LegalAidRules, typed: str, plain: str
) -> None:
    assert legal_aid_rules.match_matter(plain) is not None
    assert legal_aid_rules.match_matter(typed) == legal_aid_rules.match_matter(plain)


def test_mediation_matches_traditional_words_as_their_plain_form() -> None:
    rules = MediationRules.load()
    assert rules.match_dispute_type("鄰居家漏水 淹了我家") == rules.match_dispute_type("邻居家漏水淹了我家")
    assert rules.match_dispute_type("邻居家漏水淹了我家") is not None


def test_notarization_matches_traditional_words_but_keeps_a_space_as_a_boundary() -> None:
    catalogue = NotarizationRules.load()
    assert [m.id for m in catalogue.match("我想放棄繼承")] == ["renounce-inheritance"]
    # 放弃 继承 with a space is not the phrase 放弃继承: the catalogue has always read it as 继承.
    assert "renounce-inheritance" not in [m.id for m in catalogue.match("我想放弃 继承", limit=1)]
