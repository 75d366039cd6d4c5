"""The knowledge base as residents rely on it: every citation real, every area covered."""

from __future__ import annotations

from collections import Counter

import pytest

from knowledge.answer_labels import load_labels
from knowledge.areas import load_taxonomy
from knowledge.authoring.citations import entry_problems
from knowledge.entries import Entry, KnowledgeBase
from knowledge.legal_aid.rules import LegalAidRules
from knowledge.mediation import MediationRules
from knowledge.notarization.rules import NotarizationRules
from knowledge.statutes import StatuteLibrary

STORY_CHARS = 30
PENDING_REVIEW = "待复核"


def citations(kb: KnowledgeBase) -> list[tuple[str, str, str, list[str]]]:
    return [(e.id, c.law, c.article, c.keywords) for e in KnowledgeBase.load().entries for c in e.citations]


@pytest.mark.parametrize(("entry_id", "law", "article", "keywords"), citations(KnowledgeBase.load()))
def test_every_citation_exists_and_says_what_the_entry_claims(
    statutes: StatuteLibrary, entry_id: str, law: str, article: str, keywords: list[str]
) -> None:
    assert law in statutes.laws(), f"{entry_id}: law {law} is not among the shipped statutes"
    text = statutes.article(law, article)
    assert text is not None, f"{entry_id}: {law}{article} does not exist"
    missing = [k for k in keywords if k not in text.text]
    assert not missing, f"{entry_id}: {law}{article} does not contain {missing}"


def test_no_entry_cites_a_superseded_text_or_relies_on_an_old_version(
    kb: KnowledgeBase, statutes: StatuteLibrary
) -> None:
    problems = [problem for entry in kb.entries for problem in entry_problems(entry, statutes)]
    assert not problems


def test_no_service_rule_cites_a_superseded_text(statutes: StatuteLibrary) -> None:
    rules = [*LegalAidRules.load().citations(), *MediationRules.load().citations()]
    rules += NotarizationRules.load().citations()
    cited = {(where, citation.law) for where, citation in rules}
    assert cited, "the service rules cite statutes"
    assert not [(where, law) for where, law in cited if law in statutes.superseded]


def test_a_superseded_text_and_an_old_version_are_reported(statutes: StatuteLibrary) -> None:
    entry = Entry.model_validate(
        {
            "id": "x-old",
            "area": "行政诉讼",
            "sub_area": "治安处罚",
            "questions": ["一", "二"],
            "answer": "这是一个足够长的回答文本，用来通过长度检查。",
            "citations": [
                {"law": "治安管理处罚法", "article": "第九条", "keywords": ["调解"]},
                {"law": "民法典", "article": "第一千零七十七条", "keywords": ["三十日"]},
            ],
            "reviewed_on": "2026-12-05",
            "reviewed_by": "审核人",
            "relies_on": {"治安管理处罚法": "2012-10-26", "民法典": "2020-05-28"},
        }
    )
    problems = entry_problems(entry, statutes)
    assert any("已被修订" in p for p in problems)
    assert any("民法典" in p and "需要重新审核" in p for p in problems)


def test_every_consultation_area_has_entries(kb: KnowledgeBase) -> None:
    covered = {entry.area for entry in kb.entries}
    assert covered == set(load_taxonomy().areas)


def test_entries_offer_several_phrasings_and_a_plain_answer(kb: KnowledgeBase) -> None:
    for entry in kb.entries:
        assert len(set(entry.questions)) == len(entry.questions) >= 4, entry.id
        # Residents tell a story before they ask: at least one phrasing is told like one.
        assert max(len(question) for question in entry.questions) >= STORY_CHARS, entry.id
        assert 40 <= len(entry.answer) <= 400, entry.id


def test_no_phrasing_is_shared_by_two_entries(kb: KnowledgeBase) -> None:
    owners: dict[str, str] = {}
    shared = []
    for entry in kb.entries:
        for question in entry.questions:
            if owners.setdefault(question, entry.id) != entry.id:
                shared.append((question, owners[question], entry.id))
    assert not shared


def test_the_knowledge_base_covers_what_residents_ask(kb: KnowledgeBase) -> None:
    per_area = Counter(entry.area for entry in kb.entries)
    assert len(kb) >= 1500
    assert min(per_area[area] for area in load_taxonomy().areas) >= 30
    # The five areas residents ask about most (eval/answer_labels.jsonl) hold at least 150 each.
    asked = Counter(label.area for label in load_labels(kb)).most_common(5)
    assert [(area, per_area[area]) for area, _ in asked if per_area[area] < 150] == []


def test_every_entry_was_reviewed_by_someone_other_than_its_writer(kb: KnowledgeBase) -> None:
    # Entries changed after their review carry a pending marker until a reviewer reads them.
    assert not [entry.id for entry in kb.entries if PENDING_REVIEW in entry.reviewed_by]


def test_no_answer_carries_its_own_disclaimer(kb: KnowledgeBase) -> None:
    # The reply adds the "not a lawyer's opinion" notice once; an entry repeating it reads badly.
    assert not [e.id for e in kb.entries if "不是律师" in e.answer or "仅供参考" in e.answer]


def test_loading_rejects_an_unknown_area_and_a_malformed_article() -> None:
    base = {
        "id": "x-y",
        "sub_area": "离婚",
        "questions": ["一", "二"],
        "answer": "这是一个足够长的回答文本，用来通过长度检查。",
        "reviewed_on": "2026-11-22",
        "reviewed_by": "审核人",
    }
    good_citation = {"law": "民法典", "article": "第一千零七十七条", "keywords": ["三十日"]}
    Entry.model_validate(
        {**base, "area": "婚姻家庭", "citations": [good_citation], "relies_on": {"民法典": "2021-01-01"}}
    )
    with pytest.raises(ValueError, match="relies_on"):
        Entry.model_validate({**base, "area": "婚姻家庭", "citations": [good_citation]})
    with pytest.raises(ValueError, match="unknown consultation area"):
        Entry.model_validate({**base, "area": "星座运势", "citations": [good_citation]})
    with pytest.raises(ValueError):
        Entry.model_validate({**base, "area": "婚姻家庭", "citations": [{**good_citation, "article": "1077"}]})
    with pytest.raises(ValueError):
        Entry.model_validate({**base, "area": "婚姻家庭", "citations": []})


def test_duplicate_ids_are_rejected(kb: KnowledgeBase) -> None:
    with pytest.raises(ValueError, match="duplicate"):
        KnowledgeBase([kb.entries[0], kb.entries[0]])
