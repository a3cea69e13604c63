"""Where a webhook may point (SSRF): the URL's shape, and the addresses its host resolves to.

Deployed stages: HTTPS only, and every address of the host must be a public unicast one (no
private, loopback, link-local — 169.254.169.254 is the metadata service —, multicast,
reserved, unspecified, shared or IPv4-mapped private addresses). The local stage also takes
plain HTTP, to loopback only (the receivers of the local platform and its tests)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from chalicelib.core.errors import UnprocessableEntity

MAX_URL_LENGTH = 2048
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_ip(text: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(text.strip("[]").split("%")[0])
    except ValueError:
        return None


def is_forbidden(address: IpAddress) -> bool:
    """True for every address a deployed webhook must never reach."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or address.teredo
        if isinstance(embedded, tuple):  # teredo: (server, client)
            return any(is_forbidden(a) for a in embedded)
        if embedded is not None:
            return is_forbidden(embedded)
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def is_loopback_host(host: str) -> bool:
    found = parse_ip(host)
    return host.lower() == "localhost" if found is None else found.is_loopback


def _refuse(message: str, url: str) -> UnprocessableEntity:
    return UnprocessableEntity(message, {"field": "url", "value": url[:200]})


def checked_url(url: str, local: bool) -> tuple[str, str]:
    """``url`` as given when its shape is allowed, and its host; a 422 naming ``url`` if not.
    The addresses are checked separately (``checked_addresses``), after resolving."""
    if len(url) > MAX_URL_LENGTH or any(c.isspace() for c in url):
        raise _refuse("url is not a valid URL", url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise _refuse("url is not a valid URL", url) from None
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host or port == 0:
        raise _refuse("url is not a valid http(s) URL", url)
    if parts.username is not None or parts.password is not None:
        raise _refuse("url must not carry credentials", url)
    if parts.scheme == "http" and not (local and is_loopback_host(host)):
        raise _refuse("url must use https", url)
    return url, host


def checked_addresses(host: str, addresses: list[str], local: bool) -> list[IpAddress]:
    """The host's addresses when it may be reached; a 422 naming ``url`` if any may not."""
    parsed = [a for a in (parse_ip(x) for x in addresses) if a is not None]
    if not parsed:
        raise UnprocessableEntity(f"url's host {host} does not resolve", {"field": "url"})
    if local and all(a.is_loopback for a in parsed):
        return parsed
    bad = [str(a) for a in parsed if is_forbidden(a)]
    if bad:
        raise UnprocessableEntity(
            f"url's host {host} resolves to a private or reserved address",
            {"field": "url", "addresses": bad[:5]},
        )
    return parsed
