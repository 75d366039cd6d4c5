"""A batch of entries is checked before review and published only with a reviewer's name."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from knowledge.authoring import __main__ as authoring
from knowledge.authoring.stamp import stamp_review
from knowledge.entries import EntryFile
from knowledge.statutes import StatuteLibrary

BATCH = """\
# a batch about divorce venue
entries:
  - id: test-divorce-venue-away
    area: 婚姻家庭
    sub_area: 诉讼离婚
    questions:
      - 老公出去打工两年了，我在哪告他离婚
      - 丈夫离家一年多，能在我家这边起诉吗
    answer: |-
      对方离开住所地超过一年的，您可以在自己住所地的法院起诉离婚，不必到对方打工的地方去。
    citations:
      - law: 民诉法解释
        article: 第十二条
        keywords: [离开住所地超过一年]
    route: lawyer
"""


def test_a_review_is_recorded_on_every_entry_with_the_versions_read(statutes: StatuteLibrary) -> None:
    stamped = stamp_review(BATCH, "律师甲", date(2026, 12, 6), statutes)
    assert stamped.startswith("# a batch about divorce venue\n")  # the writer's layout is kept
    entry = EntryFile.model_validate(yaml.safe_load(stamped)).entries[0]
    assert entry.reviewed_by == "律师甲" and entry.reviewed_on == date(2026, 12, 6)
    assert entry.relies_on == {"民诉法解释": date(2022, 4, 2)}
    again = stamp_review(stamped, "律师乙", date(2026, 12, 7), statutes)
    assert again.count("reviewed_by:") == 1 and "律师乙" in again and "律师甲" not in again


def test_a_file_whose_entries_do_not_start_with_an_id_line_is_refused(statutes: StatuteLibrary) -> None:
    with pytest.raises(ValueError, match="id"):
        stamp_review(
            BATCH.replace("  - id: test-divorce-venue-away\n    area", "  - area"), "律师甲", date.today(), statutes
        )


def test_check_reports_a_keyword_the_article_does_not_contain(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    draft = tmp_path / "batch.yml"
    draft.write_text(BATCH.replace("离开住所地超过一年", "离开住所地超过两年"), encoding="utf-8")
    assert authoring.main(["check", str(draft)]) == 1
    assert "找不到" in capsys.readouterr().out


def test_check_refuses_a_superseded_text_and_a_used_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = (
        BATCH.replace("民诉法解释", "治安管理处罚法")
        .replace("第十二条", "第九条")
        .replace("离开住所地超过一年", "调解")
    )
    taken = BATCH.replace("test-divorce-venue-away", "traffic-at-the-scene")
    (tmp_path / "old.yml").write_text(old, encoding="utf-8")
    (tmp_path / "taken.yml").write_text(taken, encoding="utf-8")
    assert authoring.main(["check", str(tmp_path / "old.yml"), str(tmp_path / "taken.yml")]) == 1
    out = capsys.readouterr().out
    assert "已被修订" in out and "traffic-at-the-scene is already used" in out


def test_a_clean_draft_passes_and_publishing_needs_a_reviewer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    draft = tmp_path / "batch.yml"
    draft.write_text(BATCH, encoding="utf-8")
    assert authoring.main(["check", str(draft)]) == 0
    assert "no problems" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        authoring.main(["publish", str(draft)])
    assert draft.exists()  # nothing moved without a reviewer
