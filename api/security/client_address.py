"""Which address a request comes from, for per-client limits.

Behind a reverse proxy every request comes from the proxy, and the resident's address is in
X-Forwarded-For. That header is written by whoever sends the request, so it is believed only
when the peer is a configured proxy, and then read from the right: each trusted proxy appends
the address it saw, and the first address from the right that is not a trusted proxy is the
client. Anything to its left was written by the client and could be anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network

from starlette.types import Scope

from casebook.settings import Settings

Network = IPv4Network | IPv6Network


class ClientAddresses:
    def __init__(self, trusted_proxies: Iterable[str] = ()) -> None:
        # A malformed entry fails here, when the API starts.
        self._trusted: tuple[Network, ...] = tuple(ip_network(p, strict=False) for p in trusted_proxies)

    @classmethod
    def from_settings(cls, settings: Settings) -> ClientAddresses:
        return cls(p.strip() for p in settings.trusted_proxies.split(",") if p.strip())

    def _is_trusted(self, address: str) -> bool:
        try:
            parsed = ip_address(address)
        except ValueError:
            return False
        return any(parsed in network for network in self._trusted)

    def of(self, scope: Scope) -> str:
        client = scope.get("client")
        peer: str = client[0] if client else "unknown"
        if not self._trusted or not self._is_trusted(peer):
            return peer
        forwarded: list[str] = [
            hop.strip()
            for name, value in scope.get("headers", ())
            if name == b"x-forwarded-for"
            for hop in value.decode("latin-1").split(",")
        ]
        nearest = peer
        for hop in reversed(forwarded):
            if not _is_address(hop):
                break  # garbage: the hop that wrote it is the last one we can vouch for
            if not self._is_trusted(hop):
                return hop
            nearest = hop
        return nearest


def _is_address(text: str) -> bool:
    try:
        ip_address(text)
    except ValueError:
        return False
    return True
