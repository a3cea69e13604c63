"""The platform process's name resolution goes through the local DNS server first, as a
machine whose resolv.conf names it would: the app and its workers run in this process, and
a provisioned server's mailboxes name their host (``mail.<domain>``), which only the local
DNS server (answering from the emulator's Route 53 zones) knows.

``install`` wraps ``socket.getaddrinfo`` (asyncio's resolver calls it too, so aiosmtplib is
covered): a name the local DNS server answers with A records resolves to those; any other
name (NXDOMAIN, no answer, an IP literal, ``localhost``) goes to the system resolver as
before. ``uninstall`` puts the original back."""

from __future__ import annotations

import ipaddress
import socket
import threading
from typing import Any

_original = socket.getaddrinfo
_lock = threading.Lock()
LOOKUP_TIMEOUT = 2.0


def _local_addresses(host: str, nameserver: str, port: int) -> list[str]:
    import dns.exception
    import dns.resolver

    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [nameserver]
    resolver.port = port
    resolver.lifetime = LOOKUP_TIMEOUT
    try:
        return [r.to_text() for r in resolver.resolve(host, "A")]
    except dns.exception.DNSException:
        return []


def _is_literal(host: Any) -> bool:
    if not isinstance(host, str) or not host or host == "localhost":
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def install(nameserver: str, port: int) -> None:
    def getaddrinfo(host: Any, service: Any, family: int = 0, *args: Any, **kwargs: Any) -> Any:
        if not _is_literal(host) and family in (0, socket.AF_INET):
            found = _local_addresses(str(host).rstrip("."), nameserver, port)
            if found:
                return [
                    info
                    for address in found
                    for info in _original(address, service, socket.AF_INET, *args, **kwargs)
                ]
        return _original(host, service, family, *args, **kwargs)

    with _lock:
        socket.getaddrinfo = getaddrinfo


def uninstall() -> None:
    with _lock:
        socket.getaddrinfo = _original
