"""A wrong data file is refused at load with its name in the message."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.reading.cues import CueBook
from knowledge.verdict import VerdictModel


@pytest.mark.parametrize("model", [CueBook, VerdictModel])
@pytest.mark.parametrize("content", ["safety: [unclosed", "{}", "features: 3"])
def test_a_broken_or_incomplete_file_is_named_in_the_error(tmp_path: Path, model: type, content: str) -> None:
    path = tmp_path / "broken.yml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=r"broken\.yml"):
        model.load(path)
