"""Entries added to and removed from a running consultant: only the new entry is encoded, it is
found for its own phrasings, and once removed every other entry is scored exactly as before."""

from __future__ import annotations

from datetime import date

import pytest

from knowledge.consultant import Consultant
from knowledge.entries import Entry

QUESTION = "村里修路占了我家的自留地，补偿该找谁要"
ROAD = Entry(
    id="office-1",
    area="拆迁安置",
    sub_area="修路占地补偿",
    questions=[
        QUESTION,
        "村委会修村道占用我家承包地，一直没给钱怎么办",
        "集体修路占了农户的地给不给补偿",
        "修路把我家地占了不给补偿找哪个部门",
    ],
    answer=(
        "村里修路占用村民的自留地、承包地，应当给予补偿：经过依法征收的，应当及时足额支付土地补偿费、"
        "安置补助费以及地上附着物和青苗的补偿费用。协商不成，可以申请人民调解，也可以依法申请行政复议或者提起诉讼。"
    ),
    citations=[{"law": "土地管理法", "article": "第四十八条", "keywords": ["补偿"]}],
    reviewed_on=date(2026, 12, 6),
    reviewed_by="chen.reviewer",
    relies_on={"土地管理法": date(2019, 8, 26)},
)
OTHER_QUESTIONS = ["老板拖欠我三个月工资一直不给，我该怎么办", "离婚冷静期是多少天", QUESTION]


def scores(consultant: Consultant, question: str) -> list[tuple[str, tuple[float, ...]]]:
    """Each candidate's retrieval scores and the verdict's features of it."""
    result = consultant.search(question, None, 0.0)
    return [(c.entry_id, c.features) for c in consultant.features(question, question, result, None, 0.0)]


def test_an_added_entry_is_encoded_alone_and_found_first_for_its_phrasing(quick_consultant: Consultant) -> None:
    before = len(quick_consultant.kb)
    quick_consultant.use_office_entries([ROAD])
    assert quick_consultant.retriever.encoder.encoded == [*ROAD.questions, f"{ROAD.sub_area}：{ROAD.answer}"]  # type: ignore[attr-defined]
    assert len(quick_consultant.kb) == before + 1 and quick_consultant.kb.get("office-1") == ROAD
    consultation = quick_consultant.consult("修路占了我家自留地，补偿找谁要")
    assert consultation.result.best is not None and consultation.result.best.entry_id == "office-1"
    assert consultation.verdict.candidates[0].entry_id == "office-1"


def test_a_removed_entry_leaves_every_other_score_as_it_was(quick_consultant: Consultant) -> None:
    shipped = {q: scores(quick_consultant, q) for q in OTHER_QUESTIONS}
    quick_consultant.use_office_entries([ROAD])
    assert "office-1" in [hit[0] for hit in scores(quick_consultant, QUESTION)]
    quick_consultant.use_office_entries([])
    assert {q: scores(quick_consultant, q) for q in OTHER_QUESTIONS} == shipped
    assert "office-1" not in quick_consultant.kb


def test_an_unchanged_set_of_entries_encodes_nothing_again(quick_consultant: Consultant) -> None:
    quick_consultant.use_office_entries([ROAD])
    shelf = quick_consultant.retriever
    quick_consultant.use_office_entries([ROAD])
    assert quick_consultant.retriever is shelf


def test_a_changed_entry_replaces_the_one_with_its_id(quick_consultant: Consultant) -> None:
    quick_consultant.use_office_entries([ROAD])
    renamed = ROAD.model_copy(update={"sub_area": "村道占地"})
    quick_consultant.use_office_entries([renamed])
    assert quick_consultant.kb.get("office-1").sub_area == "村道占地"
    assert [e.id for e in quick_consultant.kb.entries].count("office-1") == 1
    assert quick_consultant.consult(QUESTION).result.best.entry_id == "office-1"  # type: ignore[union-attr]


def test_an_office_entry_may_not_take_a_shipped_id(quick_consultant: Consultant) -> None:
    shipped_id = quick_consultant.kb.entries[0].id
    with pytest.raises(ValueError, match="shipped"):
        quick_consultant.use_office_entries([ROAD.model_copy(update={"id": shipped_id})])
