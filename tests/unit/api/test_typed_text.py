"""What Rasa would read as a command is what the API screens, character for character.

Rasa's normalizer (bot/components/normalizer.py) folds and deletes characters before Rasa looks
for a leading slash. The API cannot import it (Rasa lives in the other environment), so these
tests run the normalizer's own code, taken from its source, on every character in front of a
slash: whatever would reach Rasa as `/emergency` must be screened as a command here.
"""

from __future__ import annotations

import ast
import re
import sys
import unicodedata
from collections.abc import Callable
from functools import cache

import pytest

from api.security.typed_text import NORMALIZER_DROPS, as_words, is_command
from casebook.settings import PROJECT_ROOT

NORMALIZER = PROJECT_ROOT / "bot" / "components" / "normalizer.py"


@cache
def rasa_normalizer() -> Callable[[str], str]:
    """normalize_text from the bot's source, with OpenCC left out (it never makes a slash)."""
    tree = ast.parse(NORMALIZER.read_text(encoding="utf-8"))
    wanted = [
        node
        for node in tree.body
        if (isinstance(node, ast.Assign) and any(getattr(t, "id", "") in {"_EMOJI", "_SPACES"} for t in node.targets))
        or (isinstance(node, ast.FunctionDef) and node.name == "normalize_text")
    ]
    namespace: dict[str, object] = {"re": re, "unicodedata": unicodedata}
    namespace["_converter"] = lambda: type("Identity", (), {"convert": staticmethod(lambda text: text)})()
    exec(compile(ast.Module(body=wanted, type_ignores=[]), str(NORMALIZER), "exec"), namespace)
    normalize = namespace["normalize_text"]
    assert callable(normalize)
    return normalize  # type: ignore[return-value]


def test_the_api_knows_exactly_the_characters_the_normalizer_deletes_as_emoji() -> None:
    source = NORMALIZER.read_text(encoding="utf-8")
    (pattern,) = re.findall(r'_EMOJI = re\.compile\(\s*"(.+?)"', source, flags=re.S)
    assert pattern.encode().decode("unicode_escape").rstrip("+") == NORMALIZER_DROPS.pattern


def test_no_character_in_front_of_a_slash_lets_a_command_through() -> None:
    normalize = rasa_normalizer()
    leaks = [
        f"U+{code:04X}"
        for code in range(sys.maxunicode + 1)
        if not 0xD800 <= code <= 0xDFFF
        and normalize(chr(code) + "/emergency").startswith("/")
        and not is_command(chr(code) + "/emergency")
    ]
    assert leaks == []


@pytest.mark.parametrize("prefix", ["♯", "❶", "❨", "➀", "\U0001f0af", "\ufeff", "\u200b", "😀 ", "\n", "／"])
def test_the_red_teams_disguises_are_words(prefix: str) -> None:
    assert is_command(prefix + "/emergency")
    assert as_words(prefix + "/emergency@0.01") == "emergency@0.01"


@pytest.mark.parametrize("text", ["老板欠薪/加班费怎么算", "1/3的房款", "http://example.org/x", "①/②"])
def test_a_slash_inside_ordinary_words_is_left_alone(text: str) -> None:
    assert not is_command(text)
