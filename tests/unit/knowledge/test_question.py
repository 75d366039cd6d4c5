"""The asking clause is found inside a story, with enough context to name the point."""

from __future__ import annotations

import pytest

from knowledge.reading.question import question_part


@pytest.mark.parametrize(
    ("message", "question"),
    [
        ("我和他结婚五年，他一直不给家里钱，现在我想离婚，孩子能归我吗", "现在我想离婚，孩子能归我吗"),
        ("老板拖了三个月工资。我该找谁要？", "老板拖了三个月工资。我该找谁要？"),
        ("宅基地上盖的房子，兄弟几个分家，老大一个人占着，这合法吗？谢谢", "老大一个人占着，这合法吗？"),
        ("离婚协议", "离婚协议"),  # nothing asks: the whole message
        ("工伤认定要多久", "工伤认定要多久"),
    ],
)
def test_the_last_asking_clause_is_the_question(message: str, question: str) -> None:
    assert question_part(message) == question
