"""In-memory twins of the provisioning ports: a VPS provider, a MailU server, DNS providers,
a CA, a health checker, the platform link and the server store. Each records what exists,
so a test can say "nothing is left"; ``fail`` makes a named operation raise."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

from chalicelib.core.pagination import Page
from chalicelib.provisioning.errors import DnsNotVisible, ProviderUnavailable
from chalicelib.provisioning.ports import (
    DkimKey,
    DnsRecord,
    IssuedCertificate,
    MailServer,
    ProvisioningPorts,
    Publish,
    Vps,
)
from chalicelib.provisioning.records import Server
from chalicelib.provisioning.store_errors import StaleServer
from tests.fakes.core import FakeClock, FakeSecrets, sorted_page


class Failures:
    def __init__(self) -> None:
        self.plan: dict[str, list[Exception]] = {}
        self.calls: list[str] = []

    def fail(self, op: str, *errors: Exception) -> None:
        self.plan.setdefault(op, []).extend(errors)

    def check(self, op: str) -> None:
        self.calls.append(op)
        queue = self.plan.get(op)
        if queue:
            raise queue.pop(0)


class FakeServers:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], Server] = {}

    def get(self, tenant_id: str, server_id: str) -> Server | None:
        return self.items.get((tenant_id, server_id))

    def save(self, server: Server) -> Server:
        current = self.items.get((server.tenant_id, server.server_id))
        if (current.version if current else 0) != server.version:
            raise StaleServer(server.server_id)
        saved = dataclasses.replace(server, version=server.version + 1)
        self.items[(server.tenant_id, server.server_id)] = saved
        return saved

    def list(self, tenant_id: str, limit: int, token: str | None) -> Page[Server]:
        mine = [s for (t, _), s in self.items.items() if t == tenant_id]
        return sorted_page(mine, lambda s: s.server_id, "sk", limit, token, newest_first=True)


class FakeVpsProvider:
    def __init__(self, failures: Failures, polls_to_boot: int = 2) -> None:
        self.failures = failures
        self.servers: dict[str, Vps] = {}
        self.polls: dict[str, int] = {}
        self.ptr: dict[str, str] = {}
        self.created = 0
        self._boot = polls_to_boot

    def create(self, name: str, region: str, size: str, user_data: str) -> Vps:
        self.failures.check("vps.create")
        found = self.find(name)
        if found:
            return found
        self.created += 1
        vps = Vps(f"vps-{self.created}", name, "building", None, 2525, 1143, 8443)
        self.servers[vps.vps_id] = vps
        self.user_data = user_data
        return vps

    def find(self, name: str) -> Vps | None:
        return next((v for v in self.servers.values() if v.name == name), None)

    def get(self, vps_id: str) -> Vps | None:
        vps = self.servers.get(vps_id)
        if vps is None:
            return None
        self.polls[vps_id] = self.polls.get(vps_id, 0) + 1
        if self.polls[vps_id] >= self._boot and vps.state == "building":
            vps = dataclasses.replace(vps, state="active", ip=f"127.0.1.{len(self.servers)}")
            self.servers[vps_id] = vps
        return vps

    def delete(self, vps_id: str) -> None:
        self.failures.check("vps.delete")
        vps = self.servers.pop(vps_id, None)
        if vps and vps.ip:
            self.ptr.pop(vps.ip, None)

    def set_reverse_dns(self, vps_id: str, ip: str, hostname: str) -> None:
        self.ptr[ip] = hostname


class FakeMailAdmin:
    def __init__(self, failures: Failures) -> None:
        self.failures = failures
        self.domains_: dict[str, DkimKey | None] = {}
        self.users_: dict[str, str] = {}
        self.certificate: str | None = None
        self.up = True

    def ready(self, server: MailServer) -> bool:
        return self.up

    def create_domain(self, server: MailServer, domain: str) -> None:
        self.failures.check("mail.create_domain")
        self.domains_.setdefault(domain, None)

    def dkim(self, server: MailServer, domain: str) -> DkimKey:
        if self.domains_.get(domain) is None:
            self.domains_[domain] = DkimKey("dkim", "MIIBfake")
        key = self.domains_[domain]
        assert key is not None
        return key

    def create_user(self, server: MailServer, email: str, password: str, display_name: str) -> None:
        self.failures.check("mail.create_user")
        self.users_[email] = password

    def users(self, server: MailServer, domain: str) -> list[str]:
        return sorted(u for u in self.users_ if u.endswith("@" + domain))

    def delete_user(self, server: MailServer, email: str) -> None:
        self.users_.pop(email, None)

    def delete_domain(self, server: MailServer, domain: str) -> None:
        self.domains_.pop(domain, None)

    def domains(self, server: MailServer) -> list[str]:
        return sorted(self.domains_)

    def install_certificate(self, server: MailServer, cert_chain_pem: str, key_pem: str) -> None:
        self.certificate = cert_chain_pem


class FakeDnsProvider:
    def __init__(self, failures: Failures) -> None:
        self.failures = failures
        self.records: dict[tuple[str, str], DnsRecord] = {}

    def upsert(self, zone: str, records: Sequence[DnsRecord]) -> None:
        self.failures.check("dns.upsert")
        for r in records:
            self.records[(r.name, r.type)] = r

    def delete(self, zone: str, records: Sequence[DnsRecord]) -> None:
        for r in records:
            self.records.pop((r.name, r.type), None)


class FakeCa:
    def __init__(self, failures: Failures) -> None:
        self.failures = failures
        self.issued: list[str] = []
        self.revoked: list[str] = []

    def issue(
        self, hostnames: Sequence[str], publish: Publish, unpublish: Publish
    ) -> IssuedCertificate:
        publish(f"_acme-challenge.{hostnames[0]}", "token")
        try:
            self.failures.check("ca.issue")
        finally:
            unpublish(f"_acme-challenge.{hostnames[0]}", "token")
        chain = f"-----BEGIN CERTIFICATE-----\n{hostnames[0]}\n-----END CERTIFICATE-----\n"
        self.issued.append(chain)
        key = "-----BEGIN PRIVATE KEY-----\nk\n-----END PRIVATE KEY-----\n"
        return IssuedCertificate(chain, key, "2027-03-01T00:00:00Z")

    def revoke(self, cert_chain_pem: str) -> None:
        self.revoked.append(cert_chain_pem)


class FakeHealth:
    def __init__(self, failures: Failures) -> None:
        self.failures = failures
        self.targets: list[Any] = []

    def check(self, target: Any) -> list[dict[str, Any]]:
        self.targets.append(target)
        self.failures.check("health")
        return [{"name": "smtp.banner", "ok": True, "detail": "220"}]


class FakePlatform:
    def __init__(self, failures: Failures, plans: dict[str, str]) -> None:
        self.failures = failures
        self.plans = plans
        self.domains: dict[str, tuple[str, str]] = {}  # domain id -> (tenant, name)
        self.mailboxes: dict[str, tuple[str, str]] = {}  # mailbox id -> (tenant, email)
        self.notices: list[tuple[str, str, dict[str, str]]] = []
        self.verified = True
        self.other_domains: set[str] = set()
        self.reserved: dict[str, tuple[str, str]] = {}
        self.warmups: dict[str, tuple[str, str]] = {}  # mailbox id -> (tenant, plan)

    def plan_of(self, tenant_id: str) -> str | None:
        return self.plans.get(tenant_id)

    def mailbox_count(self, tenant_id: str) -> int:
        return sum(1 for t, _ in self.mailboxes.values() if t == tenant_id)

    def domain_taken(self, tenant_id: str, name: str, server_id: str) -> bool:
        if name in self.other_domains or any(n == name for _, n in self.domains.values()):
            return True
        return self.reserved.get(name, (tenant_id, server_id)) != (tenant_id, server_id)

    def reserve_domain(self, tenant_id: str, name: str, server_id: str) -> None:
        self.reserved[name] = (tenant_id, server_id)

    def release_domain(self, tenant_id: str, name: str) -> None:
        if self.reserved.get(name, (tenant_id,))[0] == tenant_id:
            self.reserved.pop(name, None)

    def register_domain(self, tenant_id: str, name: str, dns_provider: str, ip: str) -> str:
        self.failures.check("platform.register_domain")
        for domain_id, (t, n) in self.domains.items():
            if (t, n) == (tenant_id, name):
                return domain_id
        domain_id = f"dom_{len(self.domains) + 1}"
        self.domains[domain_id] = (tenant_id, name)
        return domain_id

    def domain_records(self, tenant_id: str, domain_id: str) -> tuple[list[DnsRecord], str]:
        name = self.domains[domain_id][1]
        return [
            DnsRecord(name, "TXT", "v=spf1 ~all"),
            DnsRecord(f"_dmarc.{name}", "TXT", "v=DMARC1; p=none"),
        ], "pm1"

    def verify_domain(self, tenant_id: str, domain_id: str) -> bool:
        return self.verified

    def remove_domain(self, tenant_id: str, domain_id: str) -> None:
        self.domains.pop(domain_id, None)

    def register_mailbox(
        self,
        tenant_id: str,
        email: str,
        display_name: str,
        daily_limit: int,
        smtp: dict[str, Any],
        imap: dict[str, Any],
    ) -> str:
        self.failures.check("platform.register_mailbox")
        for mailbox_id, (t, e) in self.mailboxes.items():
            if (t, e) == (tenant_id, email):
                return mailbox_id
        mailbox_id = f"mbx_{len(self.mailboxes) + 1}"
        self.mailboxes[mailbox_id] = (tenant_id, email)
        self.last_smtp = smtp
        return mailbox_id

    def remove_mailbox(self, tenant_id: str, mailbox_id: str) -> None:
        self.mailboxes.pop(mailbox_id, None)

    def start_warmup(self, tenant_id: str, mailbox_id: str, plan: str) -> str:
        self.failures.check("platform.start_warmup")
        known = self.warmups.get(mailbox_id)
        self.warmups[mailbox_id] = (tenant_id, plan)
        return "already_warming" if known else "started"

    def notify(self, tenant_id: str, kind: str, facts: dict[str, str]) -> None:
        self.notices.append((tenant_id, kind, facts))


@dataclasses.dataclass
class ProvisioningWorld:
    failures: Failures
    servers: FakeServers
    vps: FakeVpsProvider
    mail: FakeMailAdmin
    dns: FakeDnsProvider
    ca: FakeCa
    secrets: FakeSecrets
    health: FakeHealth
    platform: FakePlatform
    clock: FakeClock

    def ports(self) -> ProvisioningPorts:
        ca: Callable[[], FakeCa] = lambda: self.ca  # noqa: E731
        return ProvisioningPorts(
            servers=self.servers,
            vps=self.vps,
            mail=self.mail,
            dns=lambda name: self.dns,
            ca=ca,
            secrets=self.secrets,
            health=self.health,
            platform=self.platform,
            clock=self.clock,
            secrets_prefix="penguinmails/test",
        )


def provisioning_world(plans: dict[str, str] | None = None) -> ProvisioningWorld:
    failures = Failures()
    return ProvisioningWorld(
        failures=failures,
        servers=FakeServers(),
        vps=FakeVpsProvider(failures),
        mail=FakeMailAdmin(failures),
        dns=FakeDnsProvider(failures),
        ca=FakeCa(failures),
        secrets=FakeSecrets(),
        health=FakeHealth(failures),
        platform=FakePlatform(failures, plans or {"ten_a": "professional"}),
        clock=FakeClock(),
    )


__all__ = [
    "DnsNotVisible",
    "Failures",
    "ProviderUnavailable",
    "ProvisioningWorld",
    "provisioning_world",
]
