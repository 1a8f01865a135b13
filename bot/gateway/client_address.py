"""The address of the client behind a request, trusting X-Forwarded-For only from the proxies we run.

Limits per address are worthless if a client can name its own address in a header, and useless if every
request seems to come from the reverse proxy. So the header is read only when the peer is a trusted proxy
(BOT_TRUSTED_PROXIES), right to left, skipping our own proxies: the first other address is the client.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from starlette.requests import HTTPConnection

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def trusted_networks(spec: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_address(connection: HTTPConnection, trusted_proxies: tuple[str, ...] = ()) -> str:
    peer = connection.client.host if connection.client else "unknown"
    networks = trusted_networks(trusted_proxies)
    if not networks or not _trusted(peer, networks):
        return peer
    forwarded = [part.strip() for part in connection.headers.get("x-forwarded-for", "").split(",")]
    for address in reversed(forwarded):
        try:
            ipaddress.ip_address(address)
        except ValueError:
            return peer  # a malformed hop: do not guess past it
        if not _trusted(address, networks):
            return address
    return peer
