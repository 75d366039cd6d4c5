from bot.components.normalizer import normalize_text


def test_traditional_characters_become_simplified() -> None:
    assert normalize_text("離婚後孩子撫養費怎麼算") == "离婚后孩子抚养费怎么算"


def test_full_width_letters_and_digits_become_half_width() -> None:
    assert normalize_text("ＨＲ说我欠公司３０００元") == "hr说我欠公司3000元"


def test_emoji_and_extra_whitespace_are_dropped() -> None:
    assert normalize_text("老板不给钱😡😡  怎么办 🙏") == "老板不给钱 怎么办"
    assert normalize_text("😀") == ""
    assert normalize_text("   ") == ""


def test_very_long_messages_are_cut_not_rejected() -> None:
    assert len(normalize_text("欠钱" * 5000, max_chars=512)) == 512


def test_button_payloads_are_left_as_they_are() -> None:
    assert normalize_text("/request_human") == "/request_human"
