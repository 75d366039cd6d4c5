import pytest

from knowledge.numerals import chinese_to_int, int_to_chinese


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (1, "一"),
        (10, "十"),
        (12, "十二"),
        (20, "二十"),
        (105, "一百零五"),
        (110, "一百一十"),
        (1000, "一千"),
        (1010, "一千零一十"),
        (1077, "一千零七十七"),
        (1260, "一千二百六十"),
    ],
)
def test_numbers_match_the_way_statutes_write_them(number: int, text: str) -> None:
    assert int_to_chinese(number) == text
    assert chinese_to_int(text) == number


def test_every_article_number_round_trips() -> None:
    assert all(chinese_to_int(int_to_chinese(n)) == n for n in range(1, 2000))


def test_rejects_what_is_not_a_numeral() -> None:
    with pytest.raises(ValueError):
        chinese_to_int("一二a")
    with pytest.raises(ValueError):
        int_to_chinese(0)
