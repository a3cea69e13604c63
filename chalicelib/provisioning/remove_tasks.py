"""Undoing a server: the rollback after a failed step and the decommission share these tasks.
Each removes only what the record says exists, forgets it once gone, and is fine when it is
already gone; a step with nothing to undo is ``skipped``. A rollback step that still fails
after its retries is booked ``failed`` and the state machine goes on to the next one
(``mark_rolled_back`` then reports what was left behind)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.provisioning.create_tasks import mail_server, secret_name, split_bundle
from chalicelib.provisioning.ports import DnsRecord
from chalicelib.provisioning.rules import ROLLBACK_STEPS
from chalicelib.provisioning.steps import task

if TYPE_CHECKING:
    from chalicelib.provisioning.steps import Job

SKIPPED = {"step_status": "skipped"}


@task("record_failure")
def record_failure(job: Job) -> dict[str, Any]:
    error = job.event.get("error") or {}
    failed = [n for n, st in job.server.steps.items() if st.status == "failed"]
    failure = {
        "step": failed[-1] if failed else "",
        "error": str(error.get("Error", "")),
        "cause": _cause(error.get("Cause")),
    }
    job.change(status="rolling_back", failure=failure)
    return {"step_status": "skipped"}


def _cause(cause: Any) -> str:
    import json

    try:
        parsed = json.loads(cause) if isinstance(cause, str) else cause
    except ValueError:
        parsed = cause
    if isinstance(parsed, dict):
        return str(parsed.get("errorMessage", ""))[:500]
    return str(parsed or "")[:500]


@task("remove_registration")
def remove_registration(job: Job) -> dict[str, Any]:
    s, platform = job.server, job.ports.platform
    ids: dict[str, str] = dict(s.resources.get("mailbox_ids", {}))
    domain_id = s.resources.get("domain_id")
    if not ids and not domain_id:
        platform.release_domain(s.tenant_id, s.request.domain)  # the request's reservation
        return SKIPPED
    for email, mailbox_id in sorted(ids.items()):
        platform.remove_mailbox(s.tenant_id, mailbox_id)
        ids.pop(email)
        job.keep(mailbox_ids=dict(ids))
    if domain_id:
        platform.remove_domain(s.tenant_id, domain_id)
        job.forget("domain_id", "dkim_selector")
    platform.release_domain(s.tenant_id, s.request.domain)
    return {}


@task("remove_certificate")
def remove_certificate(job: Job) -> dict[str, Any]:
    cert = job.server.resources.get("certificate")
    if not cert:
        return SKIPPED
    try:
        bundle = job.ports.secrets.read(cert["secret"])
    except Exception:  # noqa: BLE001 - the secret is already gone: nothing to revoke
        bundle = ""
    if bundle:
        chain, _ = split_bundle(bundle)
        job.ports.ca().revoke(chain)
        job.ports.secrets.delete(cert["secret"])
    job.forget("certificate", "certificate_installed")
    return {}


@task("remove_dns")
def remove_dns(job: Job) -> dict[str, Any]:
    s = job.server
    records = [DnsRecord(**r) for r in s.resources.get("dns_records", [])]
    if not records:
        return SKIPPED
    job.ports.dns(s.request.dns_provider).delete(s.request.domain, records)
    job.forget("dns_records")
    return {}


@task("remove_mail_users")
def remove_mail_users(job: Job) -> dict[str, Any]:
    users = list(job.server.resources.get("mail_users", []))
    if not users:
        return SKIPPED
    server = mail_server(job)
    for email in users:
        job.ports.mail.delete_user(server, email)
        _forget_secret(job, secret_name(job, f"mailbox/{email}"))
        job.keep(mail_users=[u for u in job.server.resources.get("mail_users", []) if u != email])
    job.forget("mail_users")
    return {}


@task("remove_mail_domain")
def remove_mail_domain(job: Job) -> dict[str, Any]:
    if not job.server.resources.get("mail_domain"):
        return SKIPPED
    job.ports.mail.delete_domain(mail_server(job), job.server.request.domain)
    job.forget("mail_domain", "mailu_dkim")
    return {}


@task("delete_vps")
def delete_vps(job: Job) -> dict[str, Any]:
    s = job.server
    vps_id = s.resources.get("vps_id")
    if not vps_id:  # a create that died before we saved the id still left one by name
        found = job.ports.vps.find(s.vps_name)
        vps_id = found.vps_id if found else None
    if vps_id:
        job.ports.vps.delete(vps_id)  # the provider drops its reverse DNS with it
    _forget_secret(job, secret_name(job, "mailu-admin-token"))
    job.forget("vps_id", "ip", "ptr", "admin_token_secret", "vps_polls")
    return {} if vps_id else SKIPPED


def _forget_secret(job: Job, name: str) -> None:
    try:
        job.ports.secrets.delete(name)
    except Exception:  # noqa: BLE001 - already gone
        return


def _left_behind(job: Job) -> list[str]:
    res = job.server.resources
    names = ("vps_id", "mail_domain", "mail_users", "dns_records", "certificate", "domain_id")
    left = [n for n in names if res.get(n)]
    left += [f"mailbox {e}" for e in res.get("mailbox_ids", {})]
    return left


@task("mark_rolled_back")
def mark_rolled_back(job: Job) -> dict[str, Any]:
    left = _left_behind(job)
    steps = job.server.steps
    failed = [n for n in ROLLBACK_STEPS if n in steps and steps[n].status == "failed"]
    job.keep(left=left)
    job.change(status="failed" if left or failed else "rolled_back")
    return {}


@task("remove_mailboxes")
def remove_mailboxes(job: Job) -> dict[str, Any]:
    """Decommission's first step: the mailboxes from our API and from the server, and the
    server's mail domain."""
    outcomes = [remove_registration(job), remove_mail_users(job), remove_mail_domain(job)]
    return SKIPPED if all(o == SKIPPED for o in outcomes) else {}


@task("mark_decommissioned")
def mark_decommissioned(job: Job) -> dict[str, Any]:
    left = _left_behind(job)
    job.keep(left=left)
    job.change(status="failed" if left else "decommissioned")
    return {}
