"""Per-client limits key on the client's address; X-Forwarded-For counts only from our proxies."""

from __future__ import annotations

import pytest
from starlette.types import Scope

from api.security.client_address import ClientAddresses
from casebook.settings import Settings


def scope(peer: str, *forwarded: str) -> Scope:
    return {"type": "http", "client": (peer, 51000), "headers": [(b"x-forwarded-for", f.encode()) for f in forwarded]}


def test_without_trusted_proxies_the_peer_is_the_client_whatever_the_header_says() -> None:
    assert ClientAddresses().of(scope("203.0.113.9", "10.9.9.9")) == "203.0.113.9"


def test_a_header_from_a_peer_that_is_not_a_trusted_proxy_is_ignored() -> None:
    addresses = ClientAddresses(["127.0.0.1"])
    assert addresses.of(scope("198.51.100.4", "10.9.9.9")) == "198.51.100.4"


def test_behind_a_trusted_proxy_the_address_it_saw_is_the_client() -> None:
    addresses = ClientAddresses(["127.0.0.1"])
    assert addresses.of(scope("127.0.0.1", "198.51.100.4")) == "198.51.100.4"


def test_what_the_client_wrote_before_the_proxy_appended_is_not_believed() -> None:
    # The client sent "X-Forwarded-For: 10.0.0.1"; nginx appended the address it saw.
    addresses = ClientAddresses(["127.0.0.1"])
    assert addresses.of(scope("127.0.0.1", "10.0.0.1, 198.51.100.4")) == "198.51.100.4"
    assert addresses.of(scope("127.0.0.1", "10.0.0.1", "198.51.100.4")) == "198.51.100.4"


def test_a_chain_of_trusted_proxies_is_walked_from_the_right() -> None:
    addresses = ClientAddresses(["127.0.0.1", "10.1.0.0/16"])
    assert addresses.of(scope("127.0.0.1", "6.6.6.6, 198.51.100.4, 10.1.2.3")) == "198.51.100.4"


def test_a_trusted_proxy_without_the_header_is_itself_the_client() -> None:
    assert ClientAddresses(["127.0.0.1"]).of(scope("127.0.0.1")) == "127.0.0.1"


def test_garbage_in_the_header_stops_the_walk_at_the_last_trusted_hop() -> None:
    addresses = ClientAddresses(["127.0.0.1", "10.1.0.0/16"])
    assert addresses.of(scope("127.0.0.1", "198.51.100.4, not-an-ip, 10.1.2.3")) == "10.1.2.3"


def test_the_setting_is_a_comma_separated_list_checked_at_start() -> None:
    addresses = ClientAddresses.from_settings(Settings(trusted_proxies=" 127.0.0.1, ::1 ,10.0.0.0/8"))
    assert addresses.of(scope("::1", "198.51.100.4")) == "198.51.100.4"
    with pytest.raises(ValueError):
        ClientAddresses.from_settings(Settings(trusted_proxies="nginx.local"))
