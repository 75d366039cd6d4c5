"""A changed knowledge base retrains the area classifier instead of restoring it from Rasa's cache."""

from __future__ import annotations

from pathlib import Path

from bot.components.area_classifier import AreaClassifier, knowledge_fingerprint


def test_the_fingerprint_follows_the_entry_files(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text("entries: []\n", encoding="utf-8")
    before = knowledge_fingerprint(tmp_path)
    assert knowledge_fingerprint(tmp_path) == before
    (tmp_path / "a.yml").write_text("entries: [{id: x}]\n", encoding="utf-8")
    changed = knowledge_fingerprint(tmp_path)
    (tmp_path / "b.yml").write_text("entries: []\n", encoding="utf-8")
    assert len({before, changed, knowledge_fingerprint(tmp_path)}) == 3


def test_the_fingerprint_is_part_of_the_config_rasa_caches_by() -> None:
    config = AreaClassifier.get_default_config()
    assert config["knowledge_fingerprint"] == knowledge_fingerprint(
        Path(__file__).resolve().parents[2] / config["knowledge_dir"]
    )
