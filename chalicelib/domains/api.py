"""Sending domains: records with exact values, Route 53 publishing, verification, DKIM
rotation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint

from chalicelib.core import lazy
from chalicelib.core.pagination import parse_limit, public_page
from chalicelib.http.routing import route
from chalicelib.http.spec import Reply

if TYPE_CHECKING:
    from chalicelib.domains import service as svc
    from chalicelib.domains import wiring
    from chalicelib.http.views import Call
else:
    svc = lazy.module("chalicelib.domains.service")
    wiring = lazy.module("chalicelib.domains.wiring")


bp = Blueprint(__name__)
bp.pm_prefix = "/v1"  # type: ignore[attr-defined]
M = "chalicelib.domains.schemas."
ONE = "/domains/{domain_id}"


@route(
    bp,
    "/domains",
    "POST",
    auth="full",
    tag="domains",
    body=M + "CreateDomain",
    reply=M + "DomainReply",
    status=201,
    action="domain.create",
    errors=(400, 401, 403, 409, 422),
    summary="Add a sending domain: DKIM key made, records listed (and published to Route 53).",
)
def create_domain(call: Call) -> Reply:
    b = call.body
    domain = svc.create_domain(
        wiring.ports(), call.tenant, b.name, b.dns_provider, b.server_ips, b.spf_includes
    )
    return Reply(domain.to_public(), 201, resource_id=domain.domain_id)


@route(
    bp,
    "/domains",
    "GET",
    auth="full",
    tag="domains",
    reply=M + "DomainPage",
    query=("limit", "next_token"),
    errors=(400, 401, 403),
    summary="List domains.",
)
def list_domains(call: Call) -> Reply:
    page = wiring.ports().domains.list(
        call.tenant, parse_limit(call.query.get("limit")), call.query.get("next_token")
    )
    return Reply(public_page(page))


@route(
    bp,
    ONE,
    "GET",
    auth="full",
    tag="domains",
    reply=M + "DomainReply",
    errors=(401, 403, 404),
    summary="A domain with each record's last verification.",
)
def get_domain(call: Call, domain_id: str) -> Reply:
    return Reply(svc.find_domain(wiring.ports(), call.tenant, domain_id).to_public())


@route(
    bp,
    ONE + "/dns",
    "GET",
    auth="full",
    tag="domains",
    reply=M + "DomainDnsReply",
    errors=(401, 403, 404),
    summary="The records to publish, paste-able, and a BIND snippet.",
)
def get_domain_dns(call: Call, domain_id: str) -> Reply:
    return Reply(svc.dns_view(wiring.ports(), call.tenant, domain_id))


@route(
    bp,
    ONE + "/verify",
    "POST",
    auth="full",
    tag="domains",
    reply=M + "DomainReply",
    action="domain.verify",
    errors=(401, 403, 404),
    summary="Check every record in DNS now and store each one's status and reason.",
)
def verify_domain(call: Call, domain_id: str) -> Reply:
    domain = svc.verify_domain(wiring.ports(), call.tenant, domain_id)
    return Reply(domain.to_public(), resource_id=domain_id)


@route(
    bp,
    ONE + "/dkim/rotate",
    "POST",
    auth="full",
    tag="domains",
    reply=M + "DomainReply",
    action="domain.dkim_rotate",
    errors=(401, 403, 404, 409),
    summary="Publish a new DKIM selector; it takes over once it verifies.",
)
def rotate_dkim(call: Call, domain_id: str) -> Reply:
    domain = svc.rotate_dkim(wiring.ports(), call.tenant, domain_id)
    return Reply(domain.to_public(), resource_id=domain_id)


@route(
    bp,
    ONE,
    "DELETE",
    auth="full",
    tag="domains",
    reply=M + "DomainReply",
    action="domain.delete",
    errors=(401, 403, 404),
    summary="Remove a domain, its Route 53 records and its DKIM keys.",
)
def delete_domain(call: Call, domain_id: str) -> Reply:
    domain = svc.delete_domain(wiring.ports(), call.tenant, domain_id)
    return Reply(domain.to_public(), resource_id=domain_id)
