from pathlib import Path

import pytest

from knowledge.statutes import StatuteLibrary


def test_all_shipped_laws_load_with_their_articles(statutes: StatuteLibrary) -> None:
    assert statutes.article_count("民法典") == 1260  # all seven books and the supplementary provisions
    assert statutes.article_count("法律援助法") == 71
    assert statutes.article_count("人民调解法") == 35
    assert len(statutes.laws()) >= 50


def test_article_text_runs_to_the_next_article(statutes: StatuteLibrary) -> None:
    article = statutes.article("民法典", "第一千零七十七条")
    assert article is not None
    assert article.text.startswith("第一千零七十七条 自婚姻登记机关收到离婚登记申请之日起三十日内")
    assert "视为撤回离婚登记申请" in article.text  # its second paragraph
    assert "第一千零七十八条" not in article.text


def test_citations_resolve_in_the_forms_residents_and_staff_write(statutes: StatuteLibrary) -> None:
    expected = statutes.article("法律援助法", "第三十一条")
    assert expected is not None
    assert statutes.cite("法律援助法第三十一条") == expected
    assert statutes.cite("《法律援助法》第三十一条") == expected
    assert statutes.cite("法律援助法第31条") == expected


def test_unknown_laws_and_articles_are_not_found(statutes: StatuteLibrary) -> None:
    assert statutes.cite("民法典第九千条") is None
    assert statutes.cite("不存在的法第一条") is None
    assert statutes.cite("随便写的") is None


def test_criminal_law_articles_with_suffixes_are_kept_apart(statutes: StatuteLibrary) -> None:
    plain = statutes.article("刑法", "第一百三十三条")
    suffixed = statutes.article("刑法", "第一百三十三条之一")
    assert plain is not None and suffixed is not None
    assert plain.text != suffixed.text
    assert "醉酒驾驶" in suffixed.text


def test_judicial_interpretations_are_cited_by_their_short_names(statutes: StatuteLibrary) -> None:
    venue = statutes.cite("民诉法解释第十二条")
    assert venue is not None and "原告住所地人民法院管辖" in venue.text
    priority = statutes.cite("建设工程施工合同解释（一）第四十一条")
    assert priority is not None and "十八个月" in priority.text
    assert statutes.article_count("婚姻家庭编解释（二）") == 23


def test_each_text_knows_its_version(statutes: StatuteLibrary) -> None:
    assert statutes.versions["民事诉讼法"] == "2023-09-01"  # from the file name
    assert statutes.versions["刑法"] == "2023-12-29"  # the latest amendment its heading records
    assert statutes.versions["民诉法解释"] == "2022-04-02"
    assert "INDEX" not in statutes.laws()


def test_an_interpretation_without_a_short_name_is_refused_at_load(tmp_path: Path) -> None:
    (tmp_path / "司法解释").mkdir()
    (tmp_path / "民法典总则.md").write_text("# 民法典\n\n第一条 为了保护民事主体的合法权益。\n", encoding="utf-8")
    (tmp_path / "司法解释" / "某解释(2024-01-01).md").write_text("第一条 内容。\n", encoding="utf-8")
    names = tmp_path / "names.yml"
    names.write_text("{}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="short name"):
        StatuteLibrary.load(tmp_path, interpretations_file=names)
