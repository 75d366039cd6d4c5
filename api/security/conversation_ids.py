"""Conversation ids that are not credentials.

A web or kiosk page holds a strong random token (`web-<UUIDv4>`); WeChat gives an OpenID.
Neither is what Rasa, the database, the console or the logs see: they see a keyed hash
(HMAC-SHA256 under the server's secret) of it. So a conversation id read in the console or
a log line cannot be used to read or write that conversation, and a WeChat OpenID (not a
secret in WeChat's model) opens nothing. Several API servers share the secret through
`CONVERSATION_SECRET`; the embedded default keeps it in an owner-only file.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import re
import secrets
from pathlib import Path

from casebook.settings import PROJECT_ROOT, Settings

# Only the web and kiosk pages hold tokens; a UUIDv4 carries 122 random bits.
CLIENT_TOKEN = re.compile(r"(web|kiosk)-([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})")
SECRET_FILE = PROJECT_ROOT / "var" / "conversation.key"


class ConversationIds:
    def __init__(self, secret: bytes) -> None:
        if len(secret) < 32:
            raise ValueError("the conversation secret must have at least 32 bytes")
        self._secret = secret

    @classmethod
    def from_settings(cls, settings: Settings, secret_file: Path = SECRET_FILE) -> ConversationIds:
        configured = settings.conversation_secret.get_secret_value()
        return cls(configured.encode() if configured else _stored_secret(secret_file))

    def _digest(self, namespace: str, value: str, length: int = 32) -> str:
        mac = hmac.new(self._secret, f"{namespace}\n{value}".encode(), hashlib.sha256)
        return mac.hexdigest()[:length]

    def resident(self, client_token: str) -> str | None:
        """The conversation of a web or kiosk page's token; None unless the token is strong."""
        match = CLIENT_TOKEN.fullmatch(client_token)
        if match is None:
            return None
        channel, token = match.groups()
        return f"{channel}-{self._digest(channel, token)}"

    def wechat(self, openid: str) -> str:
        return f"wechat-{self._digest('wechat', openid)}"

    def client(self, address: str) -> str:
        """A client address as limits and lookup counters keep it: stable, not the address.
        An IPv6 client counts by its /64, the block one home or phone is given to choose from."""
        return f"c-{self._digest('client', _subscriber(address), 16)}"


def _subscriber(address: str) -> str:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def _stored_secret(path: Path) -> bytes:
    """Read the embedded default's secret, creating it once, readable by the owner only."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process of the stack created it first
            return path.read_bytes().strip()
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_hex(32))
    return path.read_bytes().strip()
