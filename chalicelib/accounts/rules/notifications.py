"""Notifications to a tenant's contact address: what is sent for which occasion.

The API decides a notification is due and queues it; the notifier worker builds the email
here and sends it through the platform's relay. Nothing secret is ever put in an email.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from chalicelib.core import ids

if TYPE_CHECKING:
    from email.message import EmailMessage

KINDS = (
    "tenant.welcome",
    "api_key.created",
    "api_key.revoked",
    "domain.dmarc_upgrade",
    "server.circuit_opened",
    "alert.raised",
    "server.ready",
    "server.rolled_back",
    "server.decommissioned",
    "webhook.disabled",
)

_SUBJECTS = {
    "tenant.welcome": "Welcome to PenguinMails",
    "api_key.created": "A new API key was created for your account",
    "api_key.revoked": "An API key was revoked on your account",
    "domain.dmarc_upgrade": "Please update the DMARC record of your sending domain",
    "server.circuit_opened": "Your SMTP server is not answering: sending to it is paused",
    "alert.raised": "A deliverability alert was raised on your account",
    "server.ready": "Your new sending server is ready",
    "server.rolled_back": "Your new sending server could not be set up",
    "server.decommissioned": "Your sending server was decommissioned",
    "webhook.disabled": "A webhook endpoint kept failing and was disabled",
}


def new_job(kind: str, tenant_id: str, to: str, facts: dict[str, str]) -> dict[str, Any]:
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    return {
        "notification_id": ids.new_id("ntf"),
        "kind": kind,
        "tenant_id": tenant_id,
        "to": to,
        "facts": dict(facts),
    }


def _body(kind: str, facts: dict[str, str]) -> str:
    if kind == "tenant.welcome":
        return (
            f"Hello {facts.get('tenant_name', '')},\n\nYour PenguinMails account "
            f"{facts.get('tenant_id', '')} is ready on the {facts.get('plan', '')} plan.\n"
        )
    if kind == "domain.dmarc_upgrade":
        return _dmarc_upgrade(facts)
    if kind == "server.circuit_opened":
        return _circuit_opened(facts)
    if kind == "alert.raised":
        return _alert(facts)
    if kind in ("server.ready", "server.rolled_back", "server.decommissioned"):
        return _server(kind, facts)
    if kind == "webhook.disabled":
        return _webhook_disabled(facts)
    action = "created" if kind == "api_key.created" else "revoked"
    return (
        f"The API key {facts.get('key_name', '')} ({facts.get('key_id', '')}, prefix "
        f"{facts.get('key_prefix', '')}) was {action}.\nIf this was not you, revoke the "
        "key and contact support.\n"
    )


def _dmarc_upgrade(facts: dict[str, str]) -> str:
    return (
        f"Your domain {facts.get('domain', '')} ({facts.get('domain_id', '')}) is old enough "
        f"for a stricter DMARC policy. Please update the TXT record {facts.get('record', '')} "
        f"to:\n\n    {facts.get('value', '')}\n\nUntil you do, verification keeps accepting "
        "the record you published; once it sees the new one, it expects that one from then on."
        "\nThe domain's DNS listing shows the record too.\n"
    )


def _circuit_opened(facts: dict[str, str]) -> str:
    return (
        f"We could not connect to your SMTP server {facts.get('server', '')} "
        f"{facts.get('failures', '')} times in a row (refused, timed out or failed TLS), so "
        f"sending through it is paused until {facts.get('until', '')}. Your messages "
        "wait and keep all their attempts; after the pause one message tries the server, "
        "and sending resumes as soon as it answers.\nPlease check that the server is up and "
        "reachable; every mailbox on it is affected.\n"
    )


def _webhook_disabled(facts: dict[str, str]) -> str:
    return (
        f"Deliveries to your webhook endpoint {facts.get('url', '')} "
        f"({facts.get('endpoint_id', '')}) have failed since {facts.get('failing_since', '')}, "
        "so we disabled it. Undelivered events are kept: fix the receiver, enable the "
        "endpoint again (PATCH /v1/webhooks/{id} with enabled true) and replay the range "
        "you missed (POST /v1/webhooks/{id}/replay).\n"
    )


def _alert(facts: dict[str, str]) -> str:
    return (
        f"Alert {facts.get('alert_id', '')} ({facts.get('kind', '')}, "
        f"{facts.get('severity', '')}) on {facts.get('scope', '')}:\n\n"
        f"    {facts.get('message', '')}\n\nWhat we did: {facts.get('action', '')}. "
        "GET /v1/alerts lists every alert with its inputs and thresholds.\n"
    )


def build_email(job: dict[str, Any], sender: str, now: datetime | None = None) -> EmailMessage:
    """A plain-text RFC 5322 message for one queued notification."""
    from email.message import EmailMessage  # the worker's cost, not the API's cold start
    from email.utils import format_datetime, make_msgid

    message = EmailMessage()
    message["From"] = sender
    message["To"] = job["to"]
    message["Subject"] = _SUBJECTS[job["kind"]]
    message["Date"] = format_datetime(now or datetime.now(UTC))
    message["Message-ID"] = make_msgid(idstring=job["notification_id"], domain="penguinmails.local")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(_body(job["kind"], job.get("facts", {})))
    return message


def _server(kind: str, facts: dict[str, str]) -> str:
    name = f"{facts.get('hostname', '')} ({facts.get('server_id', '')})"
    if kind == "server.ready":
        return (
            f"Your server {name} is ready: its mailboxes ({facts.get('mailboxes', '')}) are "
            "registered and can send.\n"
        )
    if kind == "server.rolled_back":
        return (
            f"Setting up your server {name} failed at {facts.get('step', '')}: "
            f"{facts.get('error', '')}.\nEverything created for it was removed"
            f"{facts.get('left_behind', '')}.\n"
        )
    return f"Your server {name} and everything on it were removed.\n"
