"""Mask personal identifiers (phone and ID-card numbers) before text reaches logs or notes."""

from __future__ import annotations

import re

_ID_CARD = re.compile(r"(?<!\d)\d{6}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?!\d)")
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)")


def mask_personal_data(text: str) -> str:
    text = _ID_CARD.sub(lambda m: m.group()[:3] + "*" * 11 + m.group()[-4:], text)
    text = _MOBILE.sub(lambda m: m.group()[:3] + "****" + m.group()[-4:], text)
    return _LANDLINE.sub(lambda m: m.group()[:4] + "****", text)
