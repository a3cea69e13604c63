"""Domains: a tenant's sending domains, their DKIM keys, the DNS records they need (published
to Route 53 or listed to paste), and their verification. Other features may use what is
listed here."""

from chalicelib.domains.rules.domains import CHECK_SHARDS, DkimKey, Domain, dkim_secret_name
from chalicelib.domains.service import verify_domain
from chalicelib.domains.wiring import ports as domain_ports
from chalicelib.domains.wiring import store as domain_store

__all__ = [
    "CHECK_SHARDS",
    "DkimKey",
    "Domain",
    "dkim_secret_name",
    "domain_ports",
    "domain_store",
    "verify_domain",
]
