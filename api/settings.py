"""Settings for every process of the assistant, from the environment and `.env`."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=PROJECT_ROOT / ".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'assistant.db'}"
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    rasa_host: str = "127.0.0.1"
    rasa_port: int = 5005
    action_host: str = "127.0.0.1"
    action_port: int = 5055
    rasa_auth_token: str = ""
    max_message_chars: int = Field(default=2000, ge=10, le=20000)
    rasa_timeout_seconds: float = Field(default=30.0, gt=0)
    index_dir: Path = PROJECT_ROOT / "var" / "index"
    models_dir: Path = PROJECT_ROOT / "models"
    # Opening hours and bookings are in the office's local time.
    office_timezone: str = "Asia/Shanghai"
    # The video room for a remote lawyer session: {room} becomes the booking's reference.
    # An office sets its own meeting service here (Jitsi, Tencent Meeting links, ...).
    meeting_url_template: str = "https://meet.example.org/fawu-{room}"

    @property
    def rasa_url(self) -> str:
        return f"http://{self.rasa_host}:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        return f"http://{self.action_host}:{self.action_port}/webhook"

    @property
    def database_url_absolute(self) -> str:
        """Relative SQLite paths are taken from the project root, whatever the working directory."""
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix) and not self.database_url.startswith(prefix + "/"):
            return prefix + str(PROJECT_ROOT / self.database_url[len(prefix) :])
        return self.database_url


@cache
def get_settings() -> Settings:
    return Settings()
