"""Which mailbox provider a recipient's domain belongs to: well-known domains directly, any
other domain by the hosts of its MX records (Google Workspace, Microsoft 365, Yahoo, iCloud
custom domains); anything else is ``other``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

WELL_KNOWN: dict[str, str] = {
    "gmail.com": "gmail",
    "googlemail.com": "gmail",
    "outlook.com": "microsoft",
    "hotmail.com": "microsoft",
    "live.com": "microsoft",
    "msn.com": "microsoft",
    "yahoo.com": "yahoo",
    "ymail.com": "yahoo",
    "aol.com": "yahoo",
    "icloud.com": "apple",
    "me.com": "apple",
    "mac.com": "apple",
}
# MX host suffixes → provider
MX_PATTERNS: tuple[tuple[str, str], ...] = (
    ("google.com", "gmail"),
    ("googlemail.com", "gmail"),
    ("protection.outlook.com", "microsoft"),
    ("outlook.com", "microsoft"),
    ("yahoodns.net", "yahoo"),
    ("icloud.com", "apple"),
)


def recipient_domain(address: str) -> str | None:
    domain = address.strip().rpartition("@")[2].lower().rstrip(".")
    return domain or None


def well_known(domain: str) -> str | None:
    """The provider of a well-known mailbox domain (``hotmail.co.uk`` too), else None."""
    domain = domain.lower().rstrip(".")
    if domain in WELL_KNOWN:
        return WELL_KNOWN[domain]
    label = domain.split(".", 1)[0]
    for known, provider in WELL_KNOWN.items():
        if known.split(".", 1)[0] == label and label in ("hotmail", "outlook", "live", "yahoo"):
            return provider
    return None


def by_mx(hosts: Iterable[str]) -> str:
    """The provider the MX hosts (``"10 alt1.aspmx.l.google.com"`` or bare names) point to."""
    for host in hosts:
        name = host.split()[-1].lower().rstrip(".") if host.strip() else ""
        for suffix, provider in MX_PATTERNS:
            if name == suffix or name.endswith("." + suffix):
                return provider
    return "other"
