"""The client address of a request, trusting ``X-Forwarded-For`` only from the
configured proxies (``web.trusted_proxies``: addresses or networks such as
``10.0.0.5`` or ``10.0.0.0/24``).

Behind a reverse proxy every connection comes from the proxy, which names the client
in ``X-Forwarded-For``; anyone else can write that header too, so it is read only
when the connection comes from a trusted proxy, and then from the right (the entry
the nearest proxy added) to the first address that is not itself a trusted proxy.
The login rate limit counts failures by this address (call_qa/db/accounts.py).
"""

from __future__ import annotations

import ipaddress
from typing import Iterable

from fastapi import Request


def _networks(trusted: Iterable[str]) -> tuple[list[object], set[str]]:
    networks, names = [], set()
    for entry in trusted:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            names.add(entry.strip())  # a host name as the server sees it (e.g. "testclient")
    return networks, names


def is_trusted(address: str, trusted: Iterable[str]) -> bool:
    """Whether ``address`` is one of the ``trusted`` proxies (address, network or name)."""
    networks, names = _networks(trusted)
    if address in names:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)  # type: ignore[operator]


def client_address(request: Request, trusted: Iterable[str]) -> str:
    """The client's address (see the module docstring)."""
    trusted = tuple(trusted)
    peer = request.client.host if request.client else "?"
    if not trusted or not is_trusted(peer, trusted):
        return peer
    chain = [a.strip() for h in request.headers.getlist("x-forwarded-for") for a in h.split(",") if a.strip()]
    for address in reversed(chain):
        if not is_trusted(address, trusted):
            return address[:64]
    return chain[0][:64] if chain else peer
