"""Builds the domains feature's adapters lazily (cached, typed, overridable by name)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib import accounts
from chalicelib.aws import clients, dynamodb, secrets
from chalicelib.core.clock import system_clock
from chalicelib.core.settings import settings
from chalicelib.core.wiring import provider
from chalicelib.domains.rules.domains import DomainParams

if TYPE_CHECKING:
    from chalicelib.domains.ports import DnsLookup, DnsPublisher, DomainStore, KeyGenerator
    from chalicelib.domains.service import DomainPorts


@provider("domains.store")
def store() -> DomainStore:
    from chalicelib.domains.store import DynamoDomainRepository

    dynamodb.bind_models()
    return DynamoDomainRepository()


@provider("domains.publisher")
def publisher() -> DnsPublisher:
    from chalicelib.domains.route53 import Route53Publisher

    return Route53Publisher(clients.route53())


@provider("domains.dns_lookup")
def dns_lookup() -> DnsLookup:
    from chalicelib.domains.dns import DnsPythonLookup

    s = settings()
    return DnsPythonLookup(s.dns_nameserver or None, s.dns_port, s.dns_timeout)


@provider("domains.dkim_keys")
def dkim_keys() -> KeyGenerator:
    from chalicelib.domains.dkim_keys import generate_key

    return generate_key


@provider("domains.ports")
def ports() -> DomainPorts:
    from chalicelib.domains.service import DomainPorts

    s = settings()
    return DomainPorts(
        domains=store(),
        publisher=publisher,
        secrets=secrets.writer(),
        keys=dkim_keys(),
        dns=dns_lookup,
        clock=system_clock(),
        params=DomainParams(s.tracking_host, s.dmarc_rua),
        secrets_prefix=s.secrets_prefix,
        notify=accounts.notify_tenant,
    )
