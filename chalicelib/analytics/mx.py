"""The recipient provider of a domain (``ProviderResolver``): well-known mailbox domains
directly, any other by its MX hosts looked up with dnspython (a short timeout, the platform's
configured resolver), each answer cached for the life of the process. A failed lookup is
``other``, and is cached too: counting never waits on DNS twice for one domain."""

from __future__ import annotations

import threading
from typing import Any

from chalicelib.analytics.rules.providers import by_mx, well_known

CACHE_LIMIT = 10_000


class MxProviderResolver:
    def __init__(self, nameserver: str | None = None, port: int = 53, timeout: float = 1.0) -> None:
        self._nameserver = nameserver
        self._port = port
        self._timeout = timeout
        self._resolver: Any = None
        self._cache: dict[str, str] = {}
        self._lock = threading.Lock()

    def provider(self, domain: str) -> str:
        domain = domain.lower().rstrip(".")
        known = well_known(domain)
        if known is not None:
            return known
        with self._lock:
            if domain in self._cache:
                return self._cache[domain]
        found = by_mx(self._mx_hosts(domain))
        with self._lock:
            if len(self._cache) >= CACHE_LIMIT:
                self._cache.clear()
            self._cache[domain] = found
        return found

    def _mx_hosts(self, domain: str) -> list[str]:
        try:
            answer = self._get_resolver().resolve(domain, "MX", search=False)
        except Exception:  # noqa: BLE001 - no answer, a timeout, a refusal: all are ``other``
            return []
        return [rdata.exchange.to_text() for rdata in answer]

    def _get_resolver(self) -> Any:
        if self._resolver is None:
            import dns.resolver

            resolver = dns.resolver.Resolver(configure=self._nameserver is None)
            if self._nameserver is not None:
                resolver.nameservers = [self._nameserver]
                resolver.port = self._port
            resolver.timeout = self._timeout
            resolver.lifetime = self._timeout
            self._resolver = resolver
        return self._resolver
