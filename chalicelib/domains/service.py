"""Use cases for sending domains, written against ports only: add (DKIM key made, records
listed and published), read, verify in DNS (and move DMARC up its stages: republished to
Route 53, or the tenant told), rotate DKIM, delete, and the scheduled re-verification of
domains that are due."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from chalicelib.core.clock import Clock, iso
from chalicelib.core.errors import NotFound, PlanForbidden, ValidationFailed
from chalicelib.core.plans import plan_named
from chalicelib.domains.rules import dns_records, domains, verification
from chalicelib.domains.rules.domains import DkimKey, Domain, DomainParams

if TYPE_CHECKING:
    from collections.abc import Callable

    from chalicelib.core.tenancy import TenantContext
    from chalicelib.domains.ports import (
        DnsLookup,
        DnsPublisher,
        DomainStore,
        KeyGenerator,
        SecretStore,
        TenantNotifier,
    )


@dataclass
class DomainPorts:
    domains: DomainStore
    publisher: Callable[[], DnsPublisher]  # built only for route53 domains
    secrets: SecretStore
    keys: KeyGenerator
    dns: Callable[[], DnsLookup]
    clock: Clock
    params: DomainParams
    secrets_prefix: str
    notify: TenantNotifier


DMARC_NOTICE = "domain.dmarc_upgrade"


def _secret_name(ports: DomainPorts, domain: Domain, selector: str) -> str:
    return domains.dkim_secret_name(ports.secrets_prefix, domain, selector)


def _new_key(ports: DomainPorts, domain: Domain, taken: set[str], status: str) -> DkimKey:
    private_pem, public_b64 = ports.keys()
    key = DkimKey(
        domains.new_selector(ports.clock.now(), taken), public_b64, status, ports.clock.now_iso()
    )
    ports.secrets.put(_secret_name(ports, domain, key.selector), private_pem)
    return key


def _next_check(ports: DomainPorts) -> str:
    return iso(ports.clock.now() + domains.RECHECK_EVERY)


def create_domain(
    ports: DomainPorts,
    ctx: TenantContext,
    name: str,
    provider: str,
    server_ips: list[str],
    spf_includes: list[str],
) -> Domain:
    name = dns_records.normalise_domain(name)
    includes = tuple(_spf_include(i) for i in spf_includes)
    ips = domains.check_server_ips(server_ips)
    allowed = plan_named(ctx.plan).domains
    if allowed is not None and ports.domains.count(ctx) >= allowed:
        raise PlanForbidden(f"plan {ctx.plan} allows {allowed} domains", {"limit": allowed})
    placeholder = DkimKey("", "", "active", "")
    domain = domains.new_domain(
        ctx.tenant_id, name, provider, ips, includes, placeholder, ports.clock.now_iso()
    )
    ports.domains.claim(ctx, name, domain.domain_id)
    try:
        domain = replace(domain, dkim_keys=(_new_key(ports, domain, set(), "active"),))
        if provider == "route53":
            domain = _publish(ports, domain)
        ports.domains.save(ctx, domain, ports.clock.now_iso())
    except BaseException:
        ports.domains.release(ctx, name)
        raise
    return domain


_INCLUDE = re.compile(r"^(?=.{3,253}$)[a-z0-9_-]+(\.[a-z0-9_-]+)+$")


def _spf_include(value: str) -> str:
    """SPF include targets are DNS names, often with underscores (``_spf.google.com``)."""
    cleaned = value.strip().lower().rstrip(".")
    if not _INCLUDE.match(cleaned):
        raise ValidationFailed(
            f"spf_includes: {value!r} is not a DNS name", {"field": "spf_includes"}
        )
    return cleaned


def _publish(ports: DomainPorts, domain: Domain) -> Domain:
    publisher = ports.publisher()
    zone_id, name_servers = domain.hosted_zone_id, domain.name_servers
    if zone_id is None:
        zone_id, name_servers = publisher.ensure_zone(domain.name)
    due = domains.dmarc_due(domain, ports.clock.now())
    publisher.upsert(zone_id, domains.required_records(domain, ports.params, due))
    asked = due if dns_records.stricter(due, domain.dmarc_asked) else domain.dmarc_asked
    return replace(
        domain, hosted_zone_id=zone_id, name_servers=tuple(name_servers), dmarc_asked=asked
    )


def find_domain(ports: DomainPorts, ctx: TenantContext, domain_id: str) -> Domain:
    domain = ports.domains.get(ctx, domain_id) if domain_id.startswith("dom_") else None
    if domain is None:
        raise NotFound(f"domain {domain_id} not found", {"id": domain_id})
    return domain


def dns_view(ports: DomainPorts, ctx: TenantContext, domain_id: str) -> dict[str, Any]:
    """The records at the DMARC stage due now; on a manual domain held to a weaker stage, the
    DMARC entry says it is an advised upgrade and what verification still requires."""
    domain = find_domain(ports, ctx, domain_id)
    due = domains.dmarc_due(domain, ports.clock.now())
    records = domains.required_records(domain, ports.params, due)
    listed = [r.to_public() for r in records]
    if domains.upgrade_advised(domain, due):
        required = domains.dmarc_record(domain, ports.params, domain.dmarc_stage).value
        for entry in listed:
            if entry["kind"] == "dmarc":
                entry.update(advised_upgrade=True, required_value=required)
    return {
        "domain": domain.name,
        "records": listed,
        "bind": dns_records.bind_snippet(domain.name, records),
    }


def verify_domain(ports: DomainPorts, ctx: TenantContext, domain_id: str) -> Domain:
    """Check DNS against the records at the DMARC stage the domain is held to; then move the
    hold up to the stage due if DNS has it, or publish / ask for that stage once."""
    domain = find_domain(ports, ctx, domain_id)
    records = domains.required_records(domain, ports.params, domain.dmarc_stage)
    overall, checks = verification.verify(records, ports.dns())
    before = {k.selector for k in domain.dkim_keys if k.status == "retired"}
    updated = domains.apply_checks(
        domain, overall, checks, ports.clock.now_iso(), _next_check(ports)
    )
    updated, action, due_record = _advance_dmarc(ports, updated, checks)
    _retire(ports, updated, before)
    ports.domains.save(ctx, updated, _next_check(ports))
    if action == "notify":
        facts = {"domain": updated.name, "domain_id": updated.domain_id}
        facts |= {"record": due_record.name, "value": due_record.value}
        ports.notify(updated.tenant_id, DMARC_NOTICE, facts)
    return updated


def _advance_dmarc(
    ports: DomainPorts, domain: Domain, checks: list[verification.RecordCheck]
) -> tuple[Domain, str | None, dns_records.RequiredRecord]:
    """Route 53 domains get the due stage published here (before the domain is saved, so a
    failed publish is tried again by the next check); the tenant is told after the save."""
    due = domains.dmarc_due(domain, ports.clock.now())
    record = domains.dmarc_record(domain, ports.params, due)
    found = next((c.found for c in checks if c.kind == "dmarc"), [])
    updated, action = domains.advance_dmarc(domain, due, verification.dmarc_holds(record, found))
    if action == "publish" and domain.hosted_zone_id:
        ports.publisher().upsert(domain.hosted_zone_id, [record])
    return updated, action, record


def _retire(ports: DomainPorts, domain: Domain, already: set[str]) -> None:
    """A selector retired by this check: its record and private key are removed."""
    for key in domain.dkim_keys:
        if key.status != "retired" or key.selector in already:
            continue
        if domain.dns_provider == "route53" and domain.hosted_zone_id:
            old = dns_records.RequiredRecord(
                kind="dkim",
                name=f"{key.selector}._domainkey.{domain.name}",
                type="TXT",
                value=f"v=DKIM1; k=rsa; p={key.public_key}",
                verifies=False,
            )
            ports.publisher().delete(domain.hosted_zone_id, [old])
        ports.secrets.delete(_secret_name(ports, domain, key.selector))


def rotate_dkim(ports: DomainPorts, ctx: TenantContext, domain_id: str) -> Domain:
    domain = find_domain(ports, ctx, domain_id)
    taken = {k.selector for k in domain.dkim_keys}
    pending = domain.key("pending")
    if pending is not None:
        domains.start_rotation(domain, pending)  # raises the 409
    updated = domains.start_rotation(domain, _new_key(ports, domain, taken, "pending"))
    if updated.dns_provider == "route53":
        updated = _publish(ports, updated)
    ports.domains.save(ctx, updated, ports.clock.now_iso())
    return updated


def delete_domain(ports: DomainPorts, ctx: TenantContext, domain_id: str) -> Domain:
    domain = find_domain(ports, ctx, domain_id)
    if domain.dns_provider == "route53" and domain.hosted_zone_id:
        records = domains.required_records(domain, ports.params, domain.dmarc_asked)
        ports.publisher().delete(domain.hosted_zone_id, records)
    for key in domain.dkim_keys:
        ports.secrets.delete(_secret_name(ports, domain, key.selector))
    ports.domains.delete(ctx, domain_id)
    ports.domains.release(ctx, domain.name)
    return domain
