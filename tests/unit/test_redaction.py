from api.services.redaction import mask_personal_data


def test_phone_and_id_numbers_are_masked() -> None:
    text = "我叫老王，电话13812345678，身份证11010519491231002X，座机010-12345678"
    masked = mask_personal_data(text)
    assert "13812345678" not in masked and "138****5678" in masked
    assert "11010519491231002X" not in masked and "110***********002X" in masked
    assert "12345678" not in masked.replace("138****5678", "")


def test_other_numbers_are_left_alone() -> None:
    text = "欠了我32000元，2023年3月借的，已经18个月了"
    assert mask_personal_data(text) == text
