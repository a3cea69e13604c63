"""Domains: a tenant's sending domains, their DKIM keys, the DNS records they need (published
to Route 53 or listed to paste), and their verification. Other features may use what is
listed here (loaded on first use)."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.domains.rules.dns_records import normalise_domain, route53_txt
    from chalicelib.domains.rules.domains import CHECK_SHARDS, DkimKey, Domain, dkim_secret_name
    from chalicelib.domains.service import create_domain, delete_domain, dns_view, verify_domain
    from chalicelib.domains.wiring import ports as domain_ports
    from chalicelib.domains.wiring import store as domain_store
else:
    from chalicelib.core.lazy import exports

    __getattr__ = exports(
        __name__,
        {
            "CHECK_SHARDS": "chalicelib.domains.rules.domains",
            "DkimKey": "chalicelib.domains.rules.domains",
            "Domain": "chalicelib.domains.rules.domains",
            "dkim_secret_name": "chalicelib.domains.rules.domains",
            "route53_txt": "chalicelib.domains.rules.dns_records",
            "verify_domain": "chalicelib.domains.service",
            "normalise_domain": "chalicelib.domains.rules.dns_records",
            "create_domain": "chalicelib.domains.service",
            "delete_domain": "chalicelib.domains.service",
            "dns_view": "chalicelib.domains.service",
            "domain_ports": "chalicelib.domains.wiring:ports",
            "domain_store": "chalicelib.domains.wiring:store",
        },
    )

__all__ = [
    "CHECK_SHARDS",
    "DkimKey",
    "Domain",
    "create_domain",
    "delete_domain",
    "dkim_secret_name",
    "dns_view",
    "normalise_domain",
    "domain_ports",
    "domain_store",
    "route53_txt",
    "verify_domain",
]
