"""Rasa and the action server answer whoever reaches them with the token: loopback unless allowed."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from casebook.settings import Settings


@pytest.mark.parametrize("host", ["rasa_host", "action_host"])
def test_a_public_interface_for_rasa_or_the_action_server_is_refused(host: str) -> None:
    with pytest.raises(ValidationError, match=r"127\.0\.0\.1"):
        Settings(**{host: "0.0.0.0"})  # type: ignore[arg-type]
    assert getattr(Settings(**{host: "0.0.0.0", "allow_public_dialogue_hosts": True}), host) == "0.0.0.0"  # type: ignore[arg-type]
    assert getattr(Settings(**{host: "::1"}), host) == "::1"  # type: ignore[arg-type]
