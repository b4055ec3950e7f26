"""Where a webhook may point: public addresses only, unless the operator allows private ones.

A subscription to ``http://127.0.0.1:6379`` or ``http://169.254.169.254`` would let anyone
who can create webhooks (or press "test") probe the server's own network. The check runs on
the URL's literal address and on every address its host name resolves to; a name that does
not resolve yet is accepted and simply fails to deliver.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from agent.errors import InvalidInput

_LOCAL_NAMES = ("localhost", "localhost.localdomain")


def _private(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def _addresses(host: str, port: int) -> list[str]:
    try:
        ipaddress.ip_address(host)
        return [host]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return []
    return [str(info[4][0]) for info in infos]


def require_public(url: str, *, allow_private: bool) -> None:
    """``InvalidInput`` (field ``url``) when ``url`` targets loopback, link-local or private."""
    if allow_private:
        return
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise InvalidInput(f"{url!r} has no host", field="url")
    if host in _LOCAL_NAMES or host.endswith(".localhost"):
        raise InvalidInput(f"{host} is this server; webhooks go to public addresses", field="url")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise InvalidInput(f"{url!r} has an invalid port", field="url") from None
    private = [a for a in _addresses(host, port) if _private(a)]
    if private:
        raise InvalidInput(
            f"{host} is a loopback, link-local or private address ({private[0]}); webhooks go "
            "to public addresses unless PAYTRACK_WEBHOOK_ALLOW_PRIVATE_URLS is set",
            field="url",
        )
