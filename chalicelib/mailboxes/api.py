"""Mailboxes on the tenants' own SMTP servers: create, test for real, pause and resume."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from chalicelib.core import lazy
from chalicelib.core.pagination import parse_limit
from chalicelib.http.routing import route
from chalicelib.http.spec import Reply

if TYPE_CHECKING:
    from chalicelib.http.views import Call
    from chalicelib.mailboxes import service as svc
    from chalicelib.mailboxes import wiring
    from chalicelib.mailboxes.rules import Mailbox
    from chalicelib.mailboxes.service import MailboxPorts
else:
    svc = lazy.module("chalicelib.mailboxes.service")
    wiring = lazy.module("chalicelib.mailboxes.wiring")


bp = Blueprint(__name__)
bp.pm_prefix = "/v1"  # type: ignore[attr-defined]
M = "chalicelib.mailboxes.schemas."
ONE = "/mailboxes/{mailbox_id}"


def _public(ports: MailboxPorts, call: Call, mailbox: Mailbox) -> dict[str, Any]:
    return mailbox.to_public(svc.sent_today(ports, call.tenant, mailbox))


@route(
    bp,
    "/mailboxes",
    "POST",
    auth="full",
    tag="mailboxes",
    body=M + "CreateMailbox",
    reply=M + "MailboxReply",
    status=201,
    action="mailbox.create",
    errors=(400, 401, 403, 409, 422),
    summary="Add a mailbox on one of your domains; passwords go to Secrets Manager.",
)
def create_mailbox(call: Call) -> Reply:
    ports = wiring.ports()
    mailbox = svc.create_mailbox(ports, call.tenant, call.body)
    return Reply(_public(ports, call, mailbox), 201, resource_id=mailbox.mailbox_id)


@route(
    bp,
    "/mailboxes",
    "GET",
    auth="full",
    tag="mailboxes",
    reply=M + "MailboxPage",
    query=("limit", "next_token"),
    errors=(400, 401, 403),
    summary="List mailboxes.",
)
def list_mailboxes(call: Call) -> Reply:
    ports = wiring.ports()
    page = ports.mailboxes.list(
        call.tenant, parse_limit(call.query.get("limit")), call.query.get("next_token")
    )
    return Reply(page.shaped(lambda m: _public(ports, call, m)))


@route(
    bp,
    ONE,
    "GET",
    auth="full",
    tag="mailboxes",
    reply=M + "MailboxReply",
    errors=(401, 403, 404),
    summary="A mailbox with today's sent count and capacity.",
)
def get_mailbox(call: Call, mailbox_id: str) -> Reply:
    ports = wiring.ports()
    return Reply(_public(ports, call, svc.find_mailbox(ports, call.tenant, mailbox_id)))


@route(
    bp,
    ONE,
    "PATCH",
    auth="full",
    tag="mailboxes",
    body=M + "UpdateMailbox",
    reply=M + "MailboxReply",
    action="mailbox.update",
    errors=(400, 401, 403, 404, 409),
    summary="Pause (with a reason) or resume, change the daily limit or display name.",
)
def update_mailbox(call: Call, mailbox_id: str) -> Reply:
    ports = wiring.ports()
    mailbox = svc.update_mailbox(
        ports, call.tenant, mailbox_id, call.body.model_dump(exclude_unset=True), call.ctx.actor
    )
    return Reply(_public(ports, call, mailbox), resource_id=mailbox_id)


@route(
    bp,
    ONE + "/test",
    "POST",
    auth="full",
    tag="mailboxes",
    reply=M + "MailboxReply",
    action="mailbox.test",
    errors=(401, 403, 404),
    summary="Connect for real (EHLO, STARTTLS/TLS, AUTH, IMAP login); each step timed.",
)
def run_mailbox_test(call: Call, mailbox_id: str) -> Reply:
    ports = wiring.ports()
    mailbox = svc.run_test(ports, call.tenant, mailbox_id)
    return Reply(_public(ports, call, mailbox), resource_id=mailbox_id)


@route(
    bp,
    ONE,
    "DELETE",
    auth="full",
    tag="mailboxes",
    reply=M + "MailboxReply",
    action="mailbox.delete",
    errors=(401, 403, 404),
    summary="Remove a mailbox and its stored passwords.",
)
def delete_mailbox(call: Call, mailbox_id: str) -> Reply:
    ports = wiring.ports()
    mailbox = svc.delete_mailbox(ports, call.tenant, mailbox_id)
    return Reply(_public(ports, call, mailbox), resource_id=mailbox_id)
