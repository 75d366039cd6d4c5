import pytest

from casebook.services.redaction import mask_personal_data


def test_phone_and_id_numbers_are_masked() -> None:
    text = "我叫老王，电话13812345678，身份证11010519491231002X，座机010-12345678"
    masked = mask_personal_data(text)
    assert "13812345678" not in masked and "138****5678" in masked
    assert "11010519491231002X" not in masked and "110***********002X" in masked
    assert "12345678" not in masked.replace("138****5678", "")


@pytest.mark.parametrize(
    ("written", "masked"),
    [
        ("电话138 0013 8000", "电话138****8000"),
        ("电话138-0013-8000。", "电话138****8000。"),
        ("+8613800138000", "+86138****8000"),
        ("8613800138000", "86138****8000"),
        ("+86 138 0013 8000", "+86138****8000"),
        ("０086-138-0013-8000", "0086138****8000"),
        ("电话１３８００１３８０００", "电话138****8000"),
        ("身份证110101 19900307 123X", "身份证110***********123X"),
        ("身份证１１０１０１１９９００３０７１２３ｘ", "身份证110***********123x"),
        ("老身份证110101900307123", "老身份证110********7123"),
        ("电话13800138000 2个人", "电话138****8000 2个人"),
    ],
)
def test_numbers_written_with_spaces_dashes_prefixes_or_full_width_digits_are_masked(written: str, masked: str) -> None:
    assert mask_personal_data(written) == masked


@pytest.mark.parametrize(
    "text",
    [
        "欠了我32000元，2023年3月借的，已经18个月了",
        "2026-06-03 14:00 在 3 号窗口",
        "编号 RG20260603-7KQ4 和 TJ-20261206-K7Q2M9XA",
        "家里 4 口人，月收入 3500 元",
    ],
)
def test_other_numbers_are_left_alone(text: str) -> None:
    assert mask_personal_data(text) == text


def test_a_phone_after_thousands_of_stray_digit_groups_is_still_masked() -> None:
    # Each group is tried only with the 18 after it (no number to mask is longer): linear, not cubic.
    masked = mask_personal_data("1 " * 3000 + "电话 138 0013 8000")
    assert "0013" not in masked and masked.endswith("138****8000")
