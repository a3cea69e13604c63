"""What provisioning needs from the outside world, one Protocol per provider.

The step handlers (``chalicelib.provisioning.steps``) are written against these only. Real
adapters: ``hostwinds`` (Hostwinds cloud API over HTTP), ``mailu`` (MailU admin API v1, bearer
token), ``dns_providers`` (Route 53 through boto3, Cloudflare over HTTP), ``acme_ca`` (any ACME
v2 CA through the ``acme`` library, DNS-01). The local platform serves the same HTTP APIs
(``infrastructure/local/providers``) and runs Let's Encrypt's ``pebble`` as the CA.

Every write is idempotent: a retried step calls it again with the same arguments and must get
the same end state, never a second server, domain, user or record.

Errors the adapters raise carry the Step Functions error names the state machines retry on
(see ``errors``); anything else is a permanent failure that rolls back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from chalicelib.core.clock import Clock
    from chalicelib.core.pagination import Page
    from chalicelib.provisioning.health_check import Target
    from chalicelib.provisioning.records import Server

# --- the VPS provider ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Vps:
    vps_id: str
    name: str  # our idempotency handle: ``pm-<server id>``
    state: str  # "building" | "active" | "deleting"
    ip: str | None
    # Service ports on the server. A real server listens on the standard ones; the local
    # provider's servers are listeners on free loopback ports and report them here.
    smtp_port: int = 587
    imap_port: int = 993
    admin_port: int = 443  # MailU's admin API


class VpsProvider(Protocol):
    def create(self, name: str, region: str, size: str, user_data: str) -> Vps:
        """Order a server named ``name`` (returns the existing one when that name exists)."""
        ...

    def find(self, name: str) -> Vps | None: ...

    def get(self, vps_id: str) -> Vps | None: ...

    def delete(self, vps_id: str) -> None:
        """Gone afterwards; a server already gone is fine."""
        ...

    def set_reverse_dns(self, vps_id: str, ip: str, hostname: str) -> None:
        """PTR of ``ip`` -> ``hostname`` through the provider's reverse-DNS API."""
        ...


# --- the mail server's admin API (MailU v1) ------------------------------------------------------


@dataclass(frozen=True)
class MailServer:
    """Where a server's MailU admin API answers, and its bearer token."""

    base_url: str  # e.g. https://203.0.113.7:443/api/v1 (locally http://127.0.1.3:41234/api/v1)
    token: str = field(repr=False)


@dataclass(frozen=True)
class DkimKey:
    selector: str  # MailU's is "dkim"
    public_key_b64: str  # base64 DER SubjectPublicKeyInfo, as a DKIM p= value


class MailAdmin(Protocol):
    def ready(self, server: MailServer) -> bool:
        """True once the admin API answers with this token (cloud-init has finished)."""
        ...

    def create_domain(self, server: MailServer, domain: str) -> None: ...

    def dkim(self, server: MailServer, domain: str) -> DkimKey:
        """The domain's DKIM public key, generated on the server when it has none."""
        ...

    def create_user(self, server: MailServer, email: str, password: str, display_name: str) -> None:
        """Create the user, or set its password when it exists."""
        ...

    def users(self, server: MailServer, domain: str) -> list[str]: ...

    def delete_user(self, server: MailServer, email: str) -> None: ...

    def delete_domain(self, server: MailServer, domain: str) -> None: ...

    def domains(self, server: MailServer) -> list[str]: ...

    def install_certificate(self, server: MailServer, cert_chain_pem: str, key_pem: str) -> None:
        """The TLS certificate SMTP, IMAP and the admin API serve from now on."""
        ...


# --- DNS --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DnsRecord:
    name: str  # fully qualified, no trailing dot
    type: str  # A | MX | TXT | CNAME | PTR
    value: str  # MX "10 mail.example.com"; TXT the unquoted text (adapters split 255-byte)
    ttl: int = 300


class DnsProvider(Protocol):
    def upsert(self, zone: str, records: Sequence[DnsRecord]) -> None:
        """Create or replace each record (by name and type); creates the zone if missing."""
        ...

    def delete(self, zone: str, records: Sequence[DnsRecord]) -> None:
        """Remove each record; a record or zone already gone is fine."""
        ...


# --- certificates -------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedCertificate:
    cert_chain_pem: str  # leaf first, then the intermediates
    key_pem: str = field(repr=False)
    not_after: str  # ISO 8601 UTC


Publish = Callable[[str, str], None]  # (record name, TXT value) for a DNS-01 challenge


class CertificateAuthority(Protocol):
    def issue(
        self, hostnames: Sequence[str], publish: Publish, unpublish: Publish
    ) -> IssuedCertificate:
        """Order, answer DNS-01 through ``publish``, finalize, download; ``unpublish`` after."""
        ...

    def revoke(self, cert_chain_pem: str) -> None: ...


# --- the platform's own records -------------------------------------------------------------


class ServerStore(Protocol):
    def get(self, tenant_id: str, server_id: str) -> Server | None: ...

    def save(self, server: Server) -> Server:
        """Write if unchanged since read (else ``StaleServer``); the saved copy."""
        ...

    def list(self, tenant_id: str, limit: int, token: str | None) -> Page[Server]: ...


class SecretStore(Protocol):
    def put(self, name: str, value: str) -> None: ...

    def read(self, name: str) -> str: ...

    def delete(self, name: str) -> None: ...


class HealthChecker(Protocol):
    def check(self, target: Target) -> list[dict[str, Any]]:
        """Every check passed (the list), or DnsNotVisible / HealthCheckFailed."""
        ...


class Platform(Protocol):
    """What provisioning asks of the other features (accounts, domains, mailboxes)."""

    def plan_of(self, tenant_id: str) -> str | None: ...

    def mailbox_count(self, tenant_id: str) -> int: ...

    def domain_taken(self, tenant_id: str, name: str, server_id: str) -> bool:
        """Whether ``name`` is held by anything but this server's reservation."""
        ...

    def reserve_domain(self, tenant_id: str, name: str, server_id: str) -> None:
        """Hold ``name`` for the server until its domain is registered (Conflict if held)."""
        ...

    def release_domain(self, tenant_id: str, name: str) -> None:
        """Free the tenant's hold on ``name`` (a reservation or a claim); others' stay."""
        ...

    def register_domain(self, tenant_id: str, name: str, dns_provider: str, ip: str) -> str:
        """Add the sending domain (its DKIM key made; records published when Route 53)."""
        ...

    def domain_records(self, tenant_id: str, domain_id: str) -> tuple[list[DnsRecord], str]:
        """The records the domain needs, and its DKIM selector."""
        ...

    def verify_domain(self, tenant_id: str, domain_id: str) -> bool: ...

    def remove_domain(self, tenant_id: str, domain_id: str) -> None:
        """Gone afterwards (its Route 53 records too); already gone is fine."""
        ...

    def register_mailbox(
        self,
        tenant_id: str,
        email: str,
        display_name: str,
        daily_limit: int,
        smtp: dict[str, Any],
        imap: dict[str, Any],
    ) -> str: ...

    def remove_mailbox(self, tenant_id: str, mailbox_id: str) -> None: ...

    def start_warmup(self, tenant_id: str, mailbox_id: str, plan: str) -> str:
        """Start the mailbox's warm-up on ``plan`` (the warm-up feature): ``started``, or
        ``already_warming`` (its run is started again, a no-op when it runs)."""
        ...

    def notify(self, tenant_id: str, kind: str, facts: dict[str, str]) -> None: ...


@dataclass
class ProvisioningPorts:
    servers: ServerStore
    vps: VpsProvider
    mail: MailAdmin
    dns: Callable[[str], DnsProvider]  # by the request's dns_provider: route53 | cloudflare
    ca: Callable[[], CertificateAuthority]
    secrets: SecretStore
    health: HealthChecker
    platform: Platform
    clock: Clock
    secrets_prefix: str
    mail_admin_scheme: str = "https"
