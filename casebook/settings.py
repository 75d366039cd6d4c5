"""Settings for every process of the assistant, from the environment and `.env`."""

from __future__ import annotations

import ipaddress
import re
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
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
    # The key of the conversation ids (api/security/conversation_ids.py). Empty: a random one
    # in var/conversation.key; several API servers must share one, set here.
    conversation_secret: SecretStr = SecretStr("")
    # FastAPI's interactive /docs and /openapi.json: for developers, off on the public site.
    api_docs: bool = False
    max_message_chars: int = Field(default=2000, ge=10, le=20000)
    rasa_timeout_seconds: float = Field(default=30.0, gt=0)
    index_dir: Path = PROJECT_ROOT / "var" / "index"
    models_dir: Path = PROJECT_ROOT / "models"
    # Opening hours and bookings are in the office's local time.
    office_timezone: str = "Asia/Shanghai"
    # The video room for a remote lawyer session: {room} becomes the booking's random room token.
    # An office sets its own meeting service here (Jitsi, Tencent Meeting links, ...).
    meeting_url_template: str = "https://meet.example.org/fawu-{room}"

    # The lobby kiosk is a shared screen: after this long without a touch it asks "还在吗？",
    # and after kiosk_goodbye_seconds more it wipes the conversation for the next person.
    kiosk_idle_seconds: int = Field(default=120, ge=5, le=3600)
    kiosk_goodbye_seconds: int = Field(default=30, ge=5, le=600)

    # --- WeChat official account (微信公众号), api/routes/wechat.py ---
    # The channel is off until a token is set. Secrets have no defaults and never show in logs.
    wechat_token: SecretStr = SecretStr("")
    wechat_app_id: str = ""
    wechat_app_secret: SecretStr = SecretStr("")
    # Set for encrypted ("safe") mode; then plain callbacks are refused.
    wechat_encoding_aes_key: SecretStr = SecretStr("")
    wechat_api_base_url: str = "https://api.weixin.qq.com"
    # WeChat retries a callback after 5 s: answer passively only if the bot is faster than this.
    wechat_passive_reply_seconds: float = Field(default=4.0, gt=0, lt=5)
    # Plain mode signs the URL but not the message: a token without an AES key refuses to
    # start unless this says plain mode is meant (a test account, say). Issue 13, M5.
    wechat_allow_plain: bool = False

    # --- Staff console (api/console/, docs/console.md) ---
    # Sessions are server-side rows; the cookie holds only a random token. Secure cookies are
    # the default (browsers accept them on http://127.0.0.1 too); turn off only for plain-HTTP tests.
    console_session_hours: int = Field(default=8, ge=1, le=168)
    console_secure_cookies: bool = True
    # After this many wrong passwords in a row the account is locked for console_lockout_minutes.
    console_max_failures: int = Field(default=5, ge=1, le=100)
    console_lockout_minutes: int = Field(default=15, ge=1, le=1440)
    # --- Console sign-in throttling and sessions (api/console/throttle.py, issue 13 M3/L5) ---
    # console_max_failures locks one account on one client only, so nobody locks staff out from
    # elsewhere. A client with this many wrong passwords (any usernames) is locked as a whole.
    console_client_max_failures: int = Field(default=20, ge=1, le=1000)
    # Past this many wrong passwords on one account (from anywhere, within the lockout window)
    # each attempt on it waits console_account_slowdown_seconds first: slower, never refused.
    console_account_slowdown_after: int = Field(default=10, ge=1, le=1000)
    console_account_slowdown_seconds: float = Field(default=3.0, ge=0, le=60)
    # Password checks (scrypt, 32 MiB and 0.1 s each) running at once in one API process.
    console_password_checks: int = Field(default=2, ge=1, le=64)
    # A session unused this long ends (besides console_session_hours from sign-in).
    console_idle_minutes: int = Field(default=30, ge=1, le=1440)

    # --- Resident lookups and bookings (actions/forms/lookups.py, issue 13 H2/H3) ---
    # Status lookups and cancellations by reference + phone stop for a while after this many
    # misses in lookup_window_minutes, per conversation and per client address.
    lookup_max_failures_per_conversation: int = Field(default=5, ge=1, le=100)
    lookup_max_failures_per_client: int = Field(default=20, ge=1, le=10000)
    lookup_window_minutes: int = Field(default=60, ge=1, le=10080)
    # Live bookings one phone number may hold at once (a script cannot book every slot).
    max_open_bookings_per_phone: int = Field(default=3, ge=1, le=50)

    # --- Limits at the edge (api/security/{body_limit,rate_limit}.py, docs/limits.md, issue 13 M4/H3) ---
    # Request bodies above these sizes get HTTP 413 before anything parses them. A console form
    # holds a staff note of up to 2000 Chinese characters (9 bytes each, form-encoded).
    max_body_bytes: int = Field(default=16 * 1024, ge=1024, le=1024 * 1024)
    max_console_body_bytes: int = Field(default=32 * 1024, ge=1024, le=1024 * 1024)
    # Rate limits (api/security/limits.yml). Off only to measure the design without them.
    rate_limits: bool = True
    # One store for several API servers, e.g. redis://127.0.0.1:6379/0. Empty: this server's memory.
    redis_url: SecretStr = SecretStr("")
    # Comma-separated addresses or networks of the reverse proxies whose X-Forwarded-For is
    # believed (e.g. 127.0.0.1 for nginx on this host). Empty: the peer address is the client.
    trusted_proxies: str = ""

    # --- Processes and retention (scripts/rasa_server.py, actions/server.py, api/privacy/, issue 13 L1/M7) ---
    # RASA_AUTH_TOKEN (above) is the secret Rasa checks the API's JWTs with; ACTION_SERVER_TOKEN
    # the header Rasa shows the action server. Empty: scripts/stack.py makes both at each start.
    action_server_token: SecretStr = SecretStr("")
    # Rasa and the action server trust whoever holds those secrets and reaches them: they stay on
    # loopback unless this says a firewall keeps the rest of the network out.
    allow_public_dialogue_hosts: bool = False
    # Conversations (Rasa's events, knowledge-gap questions) with no open case are deleted this
    # many days after their last message (`python -m api.privacy purge`, docs/privacy.md).
    retention_days: int = Field(default=90, ge=1, le=3650)
    # Closed cases keep their record but lose the resident's name, phone and story this many days
    # after closing: three years, the civil limitation period (民法典 第一百八十八条).
    closed_case_retention_days: int = Field(default=3 * 365, ge=30, le=36500)

    # --- Operations (api/observability/, docs/operations.md) ---
    # "json": one JSON object a line (for a log collector); "text": readable in a terminal.
    log_format: Literal["text", "json"] = "text"
    # Lets Prometheus scrape /metrics from another host (as a bearer token). Empty: this host only.
    metrics_token: SecretStr = SecretStr("")

    @model_validator(mode="after")
    def _dialogue_on_loopback(self) -> Settings:
        if not self.allow_public_dialogue_hosts:
            for name, host in (("RASA_HOST", self.rasa_host), ("ACTION_HOST", self.action_host)):
                if host != "localhost" and not _is_loopback_address(host):
                    raise ValueError(
                        f"{name}={host}: Rasa and the action server answer anyone who reaches them;"
                        " keep them on 127.0.0.1 (or set ALLOW_PUBLIC_DIALOGUE_HOSTS=true behind a firewall)"
                    )
        return self

    @model_validator(mode="after")
    def _wechat_consistent(self) -> Settings:
        aes_key = self.wechat_encoding_aes_key.get_secret_value()
        if aes_key and not re.fullmatch(r"[A-Za-z0-9]{43}", aes_key):
            raise ValueError("WECHAT_ENCODING_AES_KEY must be the 43 letters and digits shown by the WeChat console")
        if self.wechat_token.get_secret_value() and not aes_key and not self.wechat_allow_plain:
            raise ValueError(
                "WECHAT_TOKEN is set without WECHAT_ENCODING_AES_KEY: plain mode does not sign the messages."
                " Choose encrypted (安全模式) in the WeChat console and set the key,"
                " or set WECHAT_ALLOW_PLAIN=true to accept plain mode"
            )
        if aes_key and not self.wechat_app_id:
            raise ValueError("WECHAT_ENCODING_AES_KEY needs WECHAT_APP_ID (encrypted messages carry the app id)")
        return self

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


def _is_loopback_address(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: it may resolve to any interface
        return False


@cache
def get_settings() -> Settings:
    return Settings()
