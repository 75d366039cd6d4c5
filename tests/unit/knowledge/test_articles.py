"""The article retriever quotes current law only, from the laws it is told to look in."""

from __future__ import annotations

from knowledge.consultant import Consultant
from knowledge.statutes import StatuteLibrary


def test_superseded_texts_are_never_candidates(statutes: StatuteLibrary) -> None:
    laws = {article.law for article in statutes.current_articles()}
    assert statutes.superseded and laws.isdisjoint(statutes.superseded)
    assert {"民法典", "反家庭暴力法", "法律援助法"} <= laws


def test_a_search_stays_within_the_laws_it_is_given(consultant: Consultant) -> None:
    question = "公司拖欠工资三个月了怎么办"
    vector = consultant.retriever.encode(question)
    hits = consultant.articles.search(question, vector, laws={"劳动合同法"}, limit=3)
    assert len(hits) == 3 and {hit.article.law for hit in hits} == {"劳动合同法"}


def test_a_search_can_be_held_to_given_articles_ranked_by_the_question(consultant: Consultant) -> None:
    question = "离婚冷静期是多少天"
    vector = consultant.retriever.encode(question)
    allowed = {"民法典第一千零七十七条", "民法典第一千零八十四条", "劳动法第五十条"}
    hits = consultant.articles.search(question, vector, limit=3, only=allowed)
    assert {hit.article.label for hit in hits} == allowed
    assert hits[0].article.label == "民法典第一千零七十七条"


def test_the_superseded_list_names_only_shipped_laws(statutes: StatuteLibrary) -> None:
    assert set(statutes.superseded) <= set(statutes.laws())
