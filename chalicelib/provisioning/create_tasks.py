"""The provisioning tasks, in the state machine's order. Each is idempotent: it reads what
the record says exists, creates only what is missing, and saves each new thing at once."""

from __future__ import annotations

import secrets as token_source
from typing import TYPE_CHECKING, Any

from chalicelib.provisioning import cloud_init
from chalicelib.provisioning.errors import (
    DnsNotVisible,
    ProvisioningFailed,
    QuotaExceeded,
    ServerNotReady,
    VpsTimeout,
)
from chalicelib.provisioning.health_check import Target
from chalicelib.provisioning.ports import DnsRecord, MailServer, Vps
from chalicelib.provisioning.rules import SERVERS_BY_PLAN, VPS_POLL_LIMIT
from chalicelib.provisioning.service import live_servers
from chalicelib.provisioning.steps import task

if TYPE_CHECKING:
    from chalicelib.provisioning.steps import Job

MAILU_DKIM_TTL = 300


def secret_name(job: Job, what: str) -> str:
    s = job.server
    return f"{job.ports.secrets_prefix}/server/{s.tenant_id}/{s.server_id}/{what}"


def mail_server(job: Job) -> MailServer:
    res = job.server.resources
    token = job.ports.secrets.read(secret_name(job, "mailu-admin-token"))
    return MailServer(
        f"{job.ports.mail_admin_scheme}://{res['ip']}:{res['admin_port']}/api/v1", token
    )


@task("validate_quota")
def validate_quota(job: Job) -> dict[str, Any]:
    s, platform = job.server, job.ports.platform
    plan = platform.plan_of(s.tenant_id)
    if plan is None:
        raise ProvisioningFailed(f"tenant {s.tenant_id} does not exist")
    check_quota(job, plan)
    return {}


def check_quota(job: Job, plan: str) -> None:
    from chalicelib.core.plans import plan_named

    s, platform = job.server, job.ports.platform
    allowed = SERVERS_BY_PLAN.get(plan, 1)
    live = live_servers(job.ports.servers, s.tenant_id)
    others = [o for o in live if o.server_id != s.server_id]
    if allowed is not None and len(others) >= allowed:
        raise QuotaExceeded(f"plan {plan} allows {allowed} server(s)")
    mailbox_limit = plan_named(plan).mailboxes
    wanted = len(s.request.mailboxes)
    if mailbox_limit is not None and platform.mailbox_count(s.tenant_id) + wanted > mailbox_limit:
        raise QuotaExceeded(f"plan {plan} allows {mailbox_limit} mailboxes")
    taken = platform.domain_taken(s.tenant_id, s.request.domain, s.server_id)
    if "domain_id" not in s.resources and taken:
        raise ProvisioningFailed(f"{s.request.domain} is already a sending domain")


@task("create_vps")
def create_vps(job: Job) -> dict[str, Any]:
    s = job.server
    if s.resources.get("vps_id"):
        return {}
    token_secret = secret_name(job, "mailu-admin-token")
    try:
        token = job.ports.secrets.read(token_secret)
    except Exception:  # noqa: BLE001 - not made yet: make it (a retry finds it)
        token = cloud_init.new_admin_token()
        job.ports.secrets.put(token_secret, token)
    user_data = cloud_init.user_data(s.request.domain, s.request.hostname, token)
    vps = job.ports.vps.create(s.vps_name, s.request.region, s.request.size, user_data)
    job.keep(vps_id=vps.vps_id, admin_token_secret=token_secret)
    return {}


@task("poll_vps")
def poll_vps(job: Job) -> dict[str, Any]:
    s = job.server
    polls = int(s.resources.get("vps_polls", 0)) + 1
    vps = job.ports.vps.get(s.resources["vps_id"])
    if vps is None:
        raise ProvisioningFailed(f"the VPS {s.resources['vps_id']} is gone")
    if vps.state == "active" and vps.ip:
        keep_addresses(job, vps, polls)
        return {"ready": True, "polls": polls}
    if polls >= VPS_POLL_LIMIT:
        raise VpsTimeout(f"no IP address after {polls} polls")
    job.keep(vps_polls=polls)
    return {"ready": False, "polls": polls, "step_status": "running"}


def keep_addresses(job: Job, vps: Vps, polls: int) -> None:
    job.keep(
        ip=vps.ip,
        smtp_port=vps.smtp_port,
        imap_port=vps.imap_port,
        admin_port=vps.admin_port,
        vps_polls=polls,
    )


@task("configure_server")
def configure_server(job: Job) -> dict[str, Any]:
    if not job.ports.mail.ready(mail_server(job)):
        raise ServerNotReady("MailU's admin API does not answer yet (cloud-init running)")
    return {}


@task("create_mail_domain")
def create_mail_domain(job: Job) -> dict[str, Any]:
    server, domain = mail_server(job), job.server.request.domain
    job.ports.mail.create_domain(server, domain)
    job.keep(mail_domain=True)
    dkim = job.ports.mail.dkim(server, domain)
    job.keep(mailu_dkim={"selector": dkim.selector, "public_key": dkim.public_key_b64})
    return {}


@task("create_mailboxes")
def create_mailboxes(job: Job) -> dict[str, Any]:
    server = mail_server(job)
    for box in job.server.request.mailboxes:
        email = f"{box.local_part}@{job.server.request.domain}"
        name = secret_name(job, f"mailbox/{email}")
        try:
            password = job.ports.secrets.read(name)
        except Exception:  # noqa: BLE001 - first attempt: make one
            password = token_source.token_urlsafe(24)
            job.ports.secrets.put(name, password)
        job.ports.mail.create_user(server, email, password, box.display_name)
        users = sorted({*job.server.resources.get("mail_users", []), email})
        job.keep(mail_users=users)
    return {}


def extra_records(job: Job) -> list[DnsRecord]:
    """What the server adds to the domain's own records: its A record and MailU's DKIM."""
    s, res = job.server, job.server.resources
    records = [DnsRecord(s.request.hostname, "A", res["ip"])]
    dkim = res.get("mailu_dkim")
    if dkim:
        value = f"v=DKIM1; k=rsa; p={dkim['public_key']}"
        name = f"{dkim['selector']}._domainkey.{s.request.domain}"
        records.append(DnsRecord(name, "TXT", value, MAILU_DKIM_TTL))
    return records


@task("publish_dns")
def publish_dns(job: Job) -> dict[str, Any]:
    s, platform = job.server, job.ports.platform
    domain_id = s.resources.get("domain_id")
    if not domain_id:
        provider = "route53" if s.request.dns_provider == "route53" else "manual"
        domain_id = platform.register_domain(
            s.tenant_id, s.request.domain, provider, s.resources["ip"]
        )
        job.keep(domain_id=domain_id)
    records, selector = platform.domain_records(s.tenant_id, domain_id)
    ours = extra_records(job)
    if s.request.dns_provider != "route53":  # Route 53 domains publish their own records
        ours = records + ours
    job.ports.dns(s.request.dns_provider).upsert(s.request.domain, ours)
    job.keep(dns_records=[r.__dict__ for r in ours], dkim_selector=selector)
    job.ports.vps.set_reverse_dns(s.resources["vps_id"], s.resources["ip"], s.request.hostname)
    job.keep(ptr=True)
    if not platform.verify_domain(s.tenant_id, domain_id):
        raise DnsNotVisible(f"{s.request.domain}: SPF, DKIM or DMARC not visible yet")
    return {}


@task("issue_certificate")
def issue_certificate(job: Job) -> dict[str, Any]:
    s = job.server
    key_secret = f"{job.ports.secrets_prefix}/acme/certificates/{s.tenant_id}/{s.server_id}"
    if not s.resources.get("certificate"):
        zone = s.request.domain
        dns = job.ports.dns(s.request.dns_provider)

        def publish(name: str, value: str) -> None:
            dns.upsert(zone, [DnsRecord(name, "TXT", value, 60)])

        def unpublish(name: str, value: str) -> None:
            dns.delete(zone, [DnsRecord(name, "TXT", value, 60)])

        issued = job.ports.ca().issue([s.request.hostname], publish, unpublish)
        bundle = issued.cert_chain_pem + "\n" + issued.key_pem
        job.ports.secrets.put(key_secret, bundle)
        job.keep(certificate={"secret": key_secret, "not_after": issued.not_after})
    chain, key = split_bundle(job.ports.secrets.read(key_secret))
    job.ports.mail.install_certificate(mail_server(job), chain, key)
    job.keep(certificate_installed=True)
    return {}


def split_bundle(bundle: str) -> tuple[str, str]:
    marker = bundle.index("-----BEGIN", bundle.rindex("-----END CERTIFICATE-----"))
    return bundle[:marker].strip() + "\n", bundle[marker:].strip() + "\n"


@task("health_check")
def health_check(job: Job) -> dict[str, Any]:
    s, res = job.server, job.server.resources
    first = s.request.emails()[0]
    selectors = tuple(
        x for x in (res.get("dkim_selector"), (res.get("mailu_dkim") or {}).get("selector")) if x
    )
    target = Target(
        domain=s.request.domain,
        hostname=s.request.hostname,
        ip=res["ip"],
        smtp_port=int(res["smtp_port"]),
        imap_port=int(res["imap_port"]),
        username=first,
        password=job.ports.secrets.read(secret_name(job, f"mailbox/{first}")),
        dkim_selectors=selectors,
    )
    checks = job.ports.health.check(target)
    job.keep(health=[{k: c[k] for k in ("name", "ok", "detail")} for c in checks])
    return {}


@task("register_mailboxes")
def register_mailboxes(job: Job) -> dict[str, Any]:
    s, res = job.server, job.server.resources
    imap_security = "tls" if int(res["imap_port"]) == 993 else "starttls"
    for box in s.request.mailboxes:
        email = f"{box.local_part}@{s.request.domain}"
        if email in job.server.resources.get("mailbox_ids", {}):
            continue
        password = job.ports.secrets.read(secret_name(job, f"mailbox/{email}"))

        def server(
            port: Any, security: str, email: str = email, pw: str = password
        ) -> dict[str, Any]:
            return {
                "host": s.request.hostname,
                "port": int(port),
                "security": security,
                "username": email,
                "password": pw,
            }

        mailbox_id = job.ports.platform.register_mailbox(
            s.tenant_id,
            email,
            box.display_name,
            box.daily_limit,
            server(res["smtp_port"], "starttls"),
            server(res["imap_port"], imap_security),
        )
        ids = {**job.server.resources.get("mailbox_ids", {}), email: mailbox_id}
        job.keep(mailbox_ids=ids)
    return {}


@task("start_warmup")
def start_warmup(job: Job) -> dict[str, Any]:
    plan = job.server.request.warmup_plan
    if not plan:
        return {"step_status": "skipped"}
    # every created mailbox warms on the plan (a retry: the ones warming already are fine)
    started = {
        email: job.ports.platform.start_warmup(job.server.tenant_id, mailbox_id, plan)
        for email, mailbox_id in sorted(job.server.resources.get("mailbox_ids", {}).items())
    }
    job.keep(warmup={"plan": plan, "status": "started", "mailboxes": started})
    return {}


@task("mark_ready")
def mark_ready(job: Job) -> dict[str, Any]:
    job.change(status="ready")
    return {}


@task("notify")
def notify(job: Job) -> dict[str, Any]:
    s = job.server
    kind = {
        "ready": "server.ready",
        "rolled_back": "server.rolled_back",
        "failed": "server.rolled_back",
        "decommissioned": "server.decommissioned",
    }.get(s.status)
    if kind is None:
        return {"step_status": "skipped"}
    facts = {
        "server_id": s.server_id,
        "hostname": s.request.hostname,
        "mailboxes": ", ".join(s.request.emails()),
        "step": (s.failure or {}).get("step", ""),
        "error": (s.failure or {}).get("error", ""),
        "left_behind": (
            "" if s.status != "failed" else ", except: " + ", ".join(s.resources.get("left", []))
        ),
    }
    job.ports.platform.notify(s.tenant_id, kind, facts)
    return {}
