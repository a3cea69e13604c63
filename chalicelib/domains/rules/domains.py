"""Sending domains: their DKIM keys, the records they need, and what verification means.

A domain is ``verified`` when its SPF, DKIM (active selector) and DMARC records pass. A
domain that was verified and later fails is flagged (``sending_blocked``) until it passes
again. DKIM rotation publishes a pending selector next to the active one; the verification
that first sees the pending record in DNS promotes it and retires the old selector.

DMARC is staged by age (``dns_records.dmarc_stage``), but a domain is held only to the stage
it has been seen publishing (``dmarc_stage``; ``none`` at first): when a stricter stage falls
due, it is published to Route 53 or asked of the tenant once (``dmarc_asked``), and the hold
moves up when verification first finds it in DNS. So a domain is never blocked for a stage
before it was published or asked, and a resolver still caching the old record blocks nothing.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from chalicelib.core import ids
from chalicelib.core.errors import Conflict, ValidationFailed
from chalicelib.domains.rules import dns_records

RECHECK_EVERY = timedelta(hours=1)
CHECK_SHARDS = 8


@dataclass(frozen=True)
class DkimKey:
    selector: str
    public_key: str
    status: str  # active | pending | retired
    created_at: str


@dataclass(frozen=True)
class DomainParams:
    """Platform facts the records depend on (from settings)."""

    tracking_host: str
    dmarc_rua: str


@dataclass(frozen=True)
class Domain:
    tenant_id: str
    domain_id: str
    name: str
    dns_provider: str
    server_ips: tuple[str, ...]
    spf_includes: tuple[str, ...]
    dkim_keys: tuple[DkimKey, ...]
    status: str
    created_at: str
    updated_at: str
    checks: tuple[dict[str, Any], ...] = ()
    last_checked_at: str | None = None
    verified_at: str | None = None
    sending_blocked: bool = False
    hosted_zone_id: str | None = None
    name_servers: tuple[str, ...] = field(default=())
    dmarc_stage: str = "none"  # the DMARC stage verification holds the domain to
    dmarc_asked: str = "none"  # the stage last published to Route 53 or asked of the tenant

    def key(self, status: str) -> DkimKey | None:
        return next((k for k in self.dkim_keys if k.status == status), None)

    def active_key(self) -> DkimKey:
        """The key that signs; every stored domain has one (LookupError otherwise)."""
        found = self.key("active")
        if found is None:
            raise LookupError(f"domain {self.name} has no active DKIM key")
        return found

    @property
    def can_send(self) -> bool:
        return self.status == "verified" and not self.sending_blocked

    def to_public(self) -> dict[str, Any]:
        active, pending = self.key("active"), self.key("pending")
        return {
            "id": self.domain_id,
            "name": self.name,
            "dns_provider": self.dns_provider,
            "status": self.status,
            "can_send": self.can_send,
            "sending_blocked": self.sending_blocked,
            "server_ips": list(self.server_ips),
            "spf_includes": list(self.spf_includes),
            "dkim": {
                "selector": active.selector if active else None,
                "pending_selector": pending.selector if pending else None,
            },
            "records": list(self.checks),
            "hosted_zone_id": self.hosted_zone_id,
            "name_servers": list(self.name_servers),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "last_checked_at": self.last_checked_at,
            "verified_at": self.verified_at,
        }


def check_server_ips(values: list[str]) -> tuple[str, ...]:
    for value in values:
        try:
            address = ipaddress.ip_address(value)
        except ValueError as exc:
            raise ValidationFailed(
                f"server_ips: {value!r} is not an IP address", {"field": "server_ips"}
            ) from exc
        if address.is_unspecified or address.is_multicast:
            raise ValidationFailed(f"server_ips: {value} cannot send mail", {"field": "server_ips"})
    return tuple(dict.fromkeys(values))


def new_selector(now: datetime, taken: set[str]) -> str:
    base = "pm" + now.strftime("%Y%m%d")
    for suffix in ["", *"bcdefghijklmnopqrstuvwxyz"]:
        if base + suffix not in taken:
            return base + suffix
    raise Conflict("too many DKIM selectors created today", {"field": "dkim"})


def new_domain(
    tenant_id: str,
    name: str,
    provider: str,
    server_ips: tuple[str, ...],
    spf_includes: tuple[str, ...],
    key: DkimKey,
    now: str,
) -> Domain:
    return Domain(
        tenant_id,
        ids.new_id("dom"),
        name,
        provider,
        server_ips,
        spf_includes,
        (key,),
        "pending",
        now,
        now,
    )


def _age_days(domain: Domain, now: datetime) -> int:
    created = datetime.fromisoformat(domain.created_at.replace("Z", "+00:00"))
    return max(0, (now - created).days)


def dmarc_due(domain: Domain, now: datetime) -> str:
    """The DMARC stage the domain's age calls for now."""
    return dns_records.dmarc_stage(_age_days(domain, now))


def advance_dmarc(domain: Domain, due: str, seen_due: bool) -> tuple[Domain, str | None]:
    """The domain after a check that found (``seen_due``) or did not find the ``due`` stage
    in DNS, and what to do: ``publish`` it (Route 53) or ``notify`` the tenant (manual), once
    per stage; None when nothing is to be done."""
    if not dns_records.stricter(due, domain.dmarc_stage):
        return domain, None
    if seen_due:
        return replace(
            domain, dmarc_stage=due, dmarc_asked=_strictest(due, domain.dmarc_asked)
        ), None
    if not dns_records.stricter(due, domain.dmarc_asked):
        return domain, None
    action = "publish" if domain.dns_provider == "route53" else "notify"
    return replace(domain, dmarc_asked=due), action


def _strictest(one: str, other: str) -> str:
    return one if dns_records.stricter(one, other) else other


def upgrade_advised(domain: Domain, due: str) -> bool:
    """Whether the tenant is advised to publish a stricter DMARC than it is held to (manual
    domains; Route 53 domains are upgraded by us)."""
    return domain.dns_provider == "manual" and dns_records.stricter(due, domain.dmarc_stage)


def dmarc_record(domain: Domain, params: DomainParams, stage: str) -> dns_records.RequiredRecord:
    return next(r for r in required_records(domain, params, stage) if r.kind == "dmarc")


def required_records(
    domain: Domain, params: DomainParams, dmarc_stage: str
) -> list[dns_records.RequiredRecord]:
    """Every record the domain needs, with DMARC at ``dmarc_stage``: the active DKIM key's
    and any pending one's."""
    active = domain.active_key()
    records = dns_records.required_records(
        domain.name,
        active.selector,
        active.public_key,
        list(domain.server_ips),
        list(domain.spf_includes),
        dns_records.DMARC_STAGES[dmarc_stage],
        params.dmarc_rua,
        f"mail.{domain.name}",
        f"bounces.{domain.name}",
        params.tracking_host,
    )
    pending = domain.key("pending")
    if pending:
        records.append(
            dns_records.RequiredRecord(
                kind="dkim",
                name=f"{pending.selector}._domainkey.{domain.name}",
                type="TXT",
                value=f"v=DKIM1; k=rsa; p={pending.public_key}",
                verifies=False,
            )
        )
    return records


def apply_checks(
    domain: Domain, overall: str, checks: list[Any], now: str, next_check: str
) -> Domain:
    was_verified = domain.status == "verified" or domain.sending_blocked
    keys = _promote_pending(domain, checks)
    blocked = overall != "verified" and was_verified
    return replace(
        domain,
        status=overall,
        checks=tuple(c.to_public() for c in checks),
        dkim_keys=keys,
        last_checked_at=now,
        updated_at=now,
        sending_blocked=blocked,
        verified_at=now if overall == "verified" else domain.verified_at,
    )


def _promote_pending(domain: Domain, checks: list[Any]) -> tuple[DkimKey, ...]:
    pending = domain.key("pending")
    if pending is None:
        return domain.dkim_keys
    name = f"{pending.selector}._domainkey.{domain.name}"
    if not any(c.name == name and c.status == "verified" for c in checks):
        return domain.dkim_keys
    moved = {"active": "retired", "pending": "active"}
    return tuple(replace(k, status=moved.get(k.status, k.status)) for k in domain.dkim_keys)


def start_rotation(domain: Domain, key: DkimKey) -> Domain:
    pending = domain.key("pending")
    if pending is not None:
        raise Conflict(
            "a DKIM rotation is already waiting for its record to verify",
            {"pending_selector": pending.selector},
        )
    return replace(domain, dkim_keys=(*domain.dkim_keys, key))


def check_shard(domain_id: str) -> str:
    return str(sum(domain_id.encode()) % CHECK_SHARDS)


def dkim_secret_name(prefix: str, domain: Domain, selector: str) -> str:
    """Where a DKIM private key lives in the secret store (never in DynamoDB)."""
    return f"{prefix}/dkim/{domain.tenant_id}/{domain.domain_id}/{selector}"
