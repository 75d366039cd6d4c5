"""The ids Rasa, the database and staff see are keyed hashes: stable, unguessable, unlinkable."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.security.conversation_ids import ConversationIds
from casebook.settings import Settings

IDS = ConversationIds(b"k" * 40)
TOKEN = "web-3f6c2a8e-6a8e-4b0c-9d5e-0c7c1d2e4f11"
EMBEDDED = Settings(conversation_secret="")  # no key configured: the embedded default's file


def test_a_pages_token_always_gives_the_same_conversation_and_another_key_another_one() -> None:
    conversation_id = IDS.resident(TOKEN)
    assert conversation_id == IDS.resident(TOKEN) and conversation_id is not None
    assert ConversationIds(b"x" * 40).resident(TOKEN) != conversation_id
    assert IDS.resident(TOKEN.replace("web-", "kiosk-")) not in {None, conversation_id}


def test_a_wechat_openid_is_never_in_its_conversation_id() -> None:
    openid = "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"
    conversation_id = IDS.wechat(openid)
    assert conversation_id.startswith("wechat-") and openid not in conversation_id and len(conversation_id) == 39


@pytest.mark.parametrize(
    ("one", "other", "same"),
    [
        ("2001:db8:1:2::1", "2001:db8:1:2:ffff::9", True),  # one home's /64: one client
        ("2001:db8:1:2::1", "2001:db8:1:3::1", False),
        ("203.0.113.7", "::ffff:203.0.113.7", True),
        ("203.0.113.7", "203.0.113.8", False),
    ],
)
def test_clients_are_counted_by_address_and_ipv6_by_its_64(one: str, other: str, same: bool) -> None:
    assert (IDS.client(one) == IDS.client(other)) is same
    assert one not in IDS.client(one)


def test_the_embedded_secret_is_made_once_and_readable_by_its_owner_alone(tmp_path: Path) -> None:
    secret_file = tmp_path / "conversation.key"
    first = ConversationIds.from_settings(EMBEDDED, secret_file=secret_file).resident(TOKEN)
    assert secret_file.stat().st_mode & 0o777 == 0o600
    assert ConversationIds.from_settings(EMBEDDED, secret_file=secret_file).resident(TOKEN) == first


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        ConversationIds(b"short")
