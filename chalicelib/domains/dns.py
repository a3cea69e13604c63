"""DNS lookups for domain verification, with dnspython.

Owns turning a resolver answer (or its failure) into a ``Lookup``: TXT records as their joined
strings, MX as ``"pref host"``, names in lower case without the trailing dot. UDP answers that
come back truncated are retried over TCP by dnspython's resolver. ``lookup`` never raises.
"""

from __future__ import annotations

from typing import Any

import dns.rdatatype
import dns.resolver

from chalicelib.domains.rules.verification import Lookup


class DnsPythonLookup:
    """The ``DnsLookup`` port over a recursive resolver, or one given server (and port)."""

    def __init__(self, nameserver: str | None = None, port: int = 53, timeout: float = 3.0) -> None:
        self._nameserver = nameserver
        self._port = port
        self._timeout = timeout
        self._resolver: dns.resolver.Resolver | None = None

    def lookup(self, name: str, rtype: str) -> Lookup:
        try:
            answer = self._get_resolver().resolve(name, rtype, search=False)
        except dns.resolver.NXDOMAIN:
            return Lookup("nxdomain", ())
        except dns.resolver.NoAnswer:
            return Lookup("noanswer", ())
        except dns.resolver.LifetimeTimeout as exc:
            return Lookup("timeout", (), str(exc))
        except dns.resolver.NoNameservers as exc:
            return _no_nameservers(exc)
        except Exception as exc:  # noqa: BLE001 - a lookup reports its failure, it never raises
            return Lookup("error", (), f"{type(exc).__name__}: {exc}")
        return Lookup("ok", tuple(_text(rdata) for rdata in answer))

    def _get_resolver(self) -> dns.resolver.Resolver:
        # Built on first use: reading /etc/resolv.conf can fail, and lookup must not raise.
        if self._resolver is None:
            resolver = dns.resolver.Resolver(configure=self._nameserver is None)
            if self._nameserver is not None:
                resolver.nameservers = [self._nameserver]
                resolver.port = self._port
            resolver.timeout = self._timeout
            resolver.lifetime = self._timeout
            self._resolver = resolver
        return self._resolver


def _no_nameservers(exc: dns.resolver.NoNameservers) -> Lookup:
    """Every server failed: SERVFAIL unless they all said something else (REFUSED, …)."""
    answers = {str(error[3]) for error in exc.kwargs.get("errors", [])}
    if not answers or "SERVFAIL" in answers:
        return Lookup("servfail", (), str(exc))
    return Lookup("error", (), str(exc))


def _text(rdata: Any) -> str:
    if rdata.rdtype == dns.rdatatype.TXT:
        return b"".join(rdata.strings).decode("utf-8", errors="replace")
    if rdata.rdtype == dns.rdatatype.MX:
        return f"{rdata.preference} {_host(rdata.exchange.to_text())}"
    return _host(rdata.to_text())


def _host(text: str) -> str:
    return text.lower().removesuffix(".")
