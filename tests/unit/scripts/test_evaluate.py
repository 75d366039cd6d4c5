"""The evaluation's citation scores, as the hidden evaluation defines them (F1 of label sets)."""

from __future__ import annotations

import pytest

from scripts.evaluate import f1, laws


@pytest.mark.parametrize(
    ("predicted", "expected", "score"),
    [
        ({"a", "b"}, {"a", "b"}, 1.0),
        ({"a"}, {"a", "b"}, 2 / 3),
        ({"a", "c"}, {"a", "b"}, 0.5),
        ({"c"}, {"a", "b"}, 0.0),
        (set(), {"a"}, 0.0),
        (set(), set(), 1.0),
    ],
)
def test_f1_of_citation_sets(predicted: set[str], expected: set[str], score: float) -> None:
    assert f1(predicted, expected) == pytest.approx(score)


def test_laws_are_the_names_before_the_article() -> None:
    assert laws(["民法典第一千零七十七条", "民法典第十条", "劳动合同法第三十条"]) == {"民法典", "劳动合同法"}
