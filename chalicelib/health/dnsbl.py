"""DNS blacklist checks with dnspython: ``<reversed IP>.<zone>`` and ``<domain>.<zone>`` A
lookups against the configured zones.

An answer in 127.0.0.0/8 is a listing, except 127.255.255.x, which the big lists use for
"query refused / error" (unknown). NXDOMAIN or an empty answer is not listed. A timeout or
any other failure is unknown, never a listing: a slow list must not pause anyone. The
resolver is configured the way the domains feature's is (settings ``dns_nameserver``,
``dns_port``, ``dns_timeout``): locally, the platform's DNS server answering from Route 53
zones, where a test zone ``dnsbl.penguinmails.test`` can list an address.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

import dns.resolver

if TYPE_CHECKING:
    from collections.abc import Sequence

LISTED, NOT_LISTED, UNKNOWN = "listed", "not_listed", "unknown"


def query_name(target: str, zone: str) -> str:
    """The name to look up: an IP reversed (nibbles for IPv6), a domain as it is."""
    try:
        address = ipaddress.ip_address(target)
    except ValueError:
        return f"{target.lower().rstrip('.')}.{zone}"
    pointer = address.reverse_pointer
    return pointer.rsplit(".in-addr.arpa", 1)[0].rsplit(".ip6.arpa", 1)[0] + f".{zone}"


def verdict(addresses: Sequence[str]) -> str:
    codes = [ipaddress.ip_address(a) for a in addresses]
    if any(str(c).startswith("127.255.255.") for c in codes):
        return UNKNOWN
    loopback = ipaddress.ip_network("127.0.0.0/8")
    return LISTED if any(c in loopback for c in codes) else NOT_LISTED


class DnsblChecker:
    def __init__(
        self, zones: Sequence[str], nameserver: str | None, port: int = 53, timeout: float = 3.0
    ) -> None:
        self._zones = tuple(z.strip().rstrip(".") for z in zones if z.strip())
        self._nameserver, self._port, self._timeout = nameserver, port, timeout
        self._resolver: dns.resolver.Resolver | None = None

    def check(self, ips: Sequence[str], domains: Sequence[str]) -> dict[str, str]:
        return {
            f"{target}@{zone}": self._lookup(query_name(target, zone))
            for zone in self._zones
            for target in (*ips, *domains)
        }

    def _lookup(self, name: str) -> str:
        try:
            answer = self._get_resolver().resolve(name, "A", search=False)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return NOT_LISTED
        except Exception:  # noqa: BLE001 - timeouts, SERVFAIL, anything: unknown, never listed
            return UNKNOWN
        return verdict([r.to_text() for r in answer])

    def _get_resolver(self) -> dns.resolver.Resolver:
        if self._resolver is None:
            resolver = dns.resolver.Resolver(configure=self._nameserver is None)
            if self._nameserver is not None:
                resolver.nameservers = [self._nameserver]
                resolver.port = self._port
            resolver.timeout = resolver.lifetime = self._timeout
            self._resolver = resolver
        return self._resolver
