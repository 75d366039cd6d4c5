"""Residents' typed text as every channel takes it in (the web chat, the kiosk and WeChat)."""

from __future__ import annotations

import unicodedata


def clean_message(text: str) -> str:
    """Drop control characters (keep newlines), fold compatibility forms, trim."""
    text = unicodedata.normalize("NFC", text)
    return "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch) != "Cc").strip()
