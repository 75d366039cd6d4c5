"""The bot's replies as WeChat text: a text message has no buttons, so buttons become numbered
choices ("回复1：申请调解") that a resident picks by typing the number or the title, and a long reply
is cut into messages WeChat accepts."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from api.channels.wechat_texts import Choice, WeChatTexts

# WeChat's limit for the content of one text message, in UTF-8 bytes.
MAX_TEXT_BYTES = 2048


@dataclass(frozen=True)
class BotReply:
    """The bot's messages for one turn as one WeChat text, and the choices it numbered."""

    text: str
    choices: list[Choice]


def compose(replies: list[dict[str, Any]], texts: WeChatTexts) -> BotReply:
    """Join the bot's texts; buttons become numbered lines, numbered across the whole turn.

    Custom payloads (citation links for the web page) are left out: the text already names
    the articles, and WeChat has no page to open them in.
    """
    parts: list[str] = []
    choices: list[Choice] = []
    for reply in replies:
        text = reply.get("text")
        if isinstance(text, str) and text.strip():
            parts.append(text.strip())
        lines: list[str] = []
        for button in reply.get("buttons") or []:
            title, payload = button.get("title"), button.get("payload")
            if isinstance(title, str) and isinstance(payload, str) and title and payload:
                choices.append(Choice(title=title, payload=payload))
                lines.append(texts.choice_line.format(number=len(choices), title=title))
        if lines:
            parts.append("\n".join(lines))
    return BotReply("\n\n".join(parts), choices)


def with_choices(text: str, choices: list[Choice], texts: WeChatTexts) -> str:
    lines = [texts.choice_line.format(number=number, title=c.title) for number, c in enumerate(choices, 1)]
    return "\n\n".join([text, "\n".join(lines)]) if lines else text


def pick_choice(text: str, choices: list[Choice]) -> str | None:
    """The payload of the choice a resident picked ("1", "１", "①" or its title); None if none was."""
    picked = unicodedata.normalize("NFKC", text).strip().rstrip(".、。")
    if picked.isdigit() and len(picked) <= 3 and 1 <= int(picked) <= len(choices):
        return choices[int(picked) - 1].payload
    for choice in choices:
        if picked == choice.title:
            return choice.payload
    return None


def split_text(text: str, max_bytes: int = MAX_TEXT_BYTES) -> list[str]:
    """Cut a long reply into messages WeChat accepts, at line breaks where possible."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if len(candidate.encode()) <= max_bytes:
            current = candidate
            continue
        if current:
            chunks.append(current)
        while len(line.encode()) > max_bytes:
            cut = _prefix_fitting(line, max_bytes)
            chunks.append(line[:cut])
            line = line[cut:]
        current = line
    if current:
        chunks.append(current)
    return [chunk.strip() for chunk in chunks if chunk.strip()]


def _prefix_fitting(text: str, max_bytes: int) -> int:
    size = 0
    for index, char in enumerate(text):
        size += len(char.encode())
        if size > max_bytes:
            return max(index, 1)
    return len(text)
