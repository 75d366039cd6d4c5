"""What the WeChat channel says by itself (api/channels/wechat.yml), loaded and checked once."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from knowledge.datafile import load_yaml_model

TEXTS_FILE = Path(__file__).parent / "wechat.yml"


class Choice(BaseModel):
    """A bot button, shown in WeChat as "回复1：申请调解"."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1)
    payload: str = Field(min_length=1)


class WeChatTexts(BaseModel):
    """What the channel says by itself (api/channels/wechat.yml)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    welcome: str = Field(min_length=10)
    welcome_choices: list[Choice] = Field(min_length=1)
    choice_line: str
    unsupported: str
    kind_names: dict[str, str]
    unknown_kind: str
    empty_message: str
    message_too_long: str
    dialogue_unavailable: str
    no_reply: str
    too_slow: str
    channel_disabled: str
    forbidden: str
    bad_request: str
    too_large: str

    @field_validator("choice_line")
    @classmethod
    def _choice_placeholders(cls, line: str) -> str:
        if "{number}" not in line or "{title}" not in line:
            raise ValueError("choice_line needs {number} and {title}")
        return line

    @field_validator("unsupported")
    @classmethod
    def _kind_placeholder(cls, text: str) -> str:
        if "{kind}" not in text:
            raise ValueError("unsupported needs {kind}")
        return text

    @field_validator("message_too_long")
    @classmethod
    def _limit_placeholder(cls, text: str) -> str:
        if "{limit}" not in text:
            raise ValueError("message_too_long needs {limit}")
        return text

    @classmethod
    def load(cls, path: Path = TEXTS_FILE) -> WeChatTexts:
        return load_yaml_model(cls, path)

    def unsupported_reply(self, media: str) -> str:
        return self.unsupported.format(kind=self.kind_names.get(media, self.unknown_kind))

    def menu_payload(self, key: str) -> str | None:
        """A custom-menu key is one of the services the welcome offers; anything else is no button."""
        return next((c.payload for c in self.welcome_choices if c.payload == key), None)


@cache
def wechat_texts() -> WeChatTexts:
    return WeChatTexts.load()
