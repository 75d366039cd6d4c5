from datetime import date
from pathlib import Path

import pytest

from bot.components.entities import EntityPipeline, load_phrases

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pipeline() -> EntityPipeline:
    return EntityPipeline(load_phrases(ROOT / "bot" / "roles.yml", ROOT / "knowledge/data/district/gazetteer.yml"))


def test_a_typical_story_yields_every_entity_normalized(pipeline: EntityPipeline) -> None:
    text = "我在桃源镇李家庄干了半年活，包工头跑了，还欠我三万二"
    assert pipeline.extract(text, date(2026, 11, 22)) == [
        ("place", 2, 5, "桃源镇"),
        ("place", 5, 8, "李家庄村"),
        ("duration", 10, 12, "P6M"),
        ("role", 14, 17, "包工头"),
        ("money", 23, 26, 32000),
    ]


def test_roles_are_mapped_to_their_canonical_names(pipeline: EntityPipeline) -> None:
    found = pipeline.extract("前夫不给抚养费，物业也乱收费，老板拖工资", date(2026, 11, 22))
    assert [value for label, *_, value in found if label == "role"] == ["前配偶", "物业公司", "用人单位"]


def test_the_longest_match_wins(pipeline: EntityPipeline) -> None:
    found = pipeline.extract("物业公司不管事", date(2026, 11, 22))
    assert found == [("role", 0, 4, "物业公司")]


@pytest.mark.parametrize(
    "text",
    [
        "父母双亡 无儿子 女儿能否继承",
        "",
        "😀",
        "<script>alert(1)</script>",
        "' or 1=1; drop table cases; --",
        "欠钱" * 2500,
    ],
)
def test_odd_input_never_breaks_extraction(pipeline: EntityPipeline, text: str) -> None:
    for label, start, end, _value in pipeline.extract(text, date(2026, 11, 22)):
        assert label and 0 <= start < end <= len(text)
