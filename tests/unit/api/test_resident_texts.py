"""What the API says to residents: one file, read and checked once, and the danger advice taken
from the bot's domain instead of a copy of it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from api.channels.wechat_texts import TEXTS_FILE as WECHAT_TEXTS_FILE
from api.console.texts import TEXTS_FILE as CONSOLE_TEXTS_FILE
from api.resident_texts import TEXTS_FILE, ResidentTexts, resident_texts
from knowledge.domain_responses import DOMAIN_DIR, domain_response


def texts_of(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in texts_of(item)]
    if isinstance(value, list):
        return [text for item in value for text in texts_of(item)]
    return []


def test_the_danger_advice_during_a_takeover_is_the_domains_own() -> None:
    texts = resident_texts()
    advice = domain_response("utter_emergency")
    assert "110" in advice and texts.emergency == advice
    assert texts.takeover_emergency == advice + texts.takeover_seen


def test_a_changed_domain_changes_the_takeover_advice(tmp_path: Path) -> None:
    for path in DOMAIN_DIR.glob("*.yml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if "utter_emergency" in (data.get("responses") or {}):
            data["responses"]["utter_emergency"] = [{"text": "请马上拨打110。"}]
        (tmp_path / path.name).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    texts = ResidentTexts.load(domain=tmp_path)
    assert texts.takeover_emergency == "请马上拨打110。" + texts.takeover_seen


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"message_too_long": "太长了。"}, "message_too_long"),
        ({"takeover_left": "工作人员{name}已离开。"}, "takeover_left"),
        ({"emergency": "请拨打110。"}, "utter_emergency"),
        ({"farewell": "再见。"}, "farewell"),
    ],
)
def test_a_broken_texts_file_is_refused_at_load_naming_the_file(
    tmp_path: Path, change: dict[str, str], message: str
) -> None:
    broken = tmp_path / "resident_texts.yml"
    data = yaml.safe_load(TEXTS_FILE.read_text(encoding="utf-8"))
    broken.write_text(yaml.safe_dump({**data, **change}, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match=rf"(?s)resident_texts\.yml.*{message}"):
        ResidentTexts.load(broken)


def test_no_text_is_kept_in_two_places() -> None:
    """The API's resident, WeChat and staff texts and the bot's responses: each text has one home."""
    homes: dict[str, list[str]] = {}
    files = [TEXTS_FILE, WECHAT_TEXTS_FILE, CONSOLE_TEXTS_FILE, *sorted(DOMAIN_DIR.glob("*.yml"))]
    for path in files:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if path.parent == DOMAIN_DIR:
            found = [v.get("text", "") for variants in (data.get("responses") or {}).values() for v in variants]
        else:
            found = texts_of(data)
        # Sentences, not labels such as 转人工 nor payloads such as /request_human.
        for text in {t for t in found if len(t) >= 12 and not t.startswith("/")}:
            homes.setdefault(text, []).append(path.name)
    assert {text: names for text, names in homes.items() if len(names) > 1} == {}
