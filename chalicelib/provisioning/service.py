"""The servers API's use cases, written against ports only: start provisioning (checked
against the plan at once; the state machine checks again), read, list, decommission.

``POST /v1/servers`` is idempotent by domain: asking again for a domain that already has a
live server with the same request returns that server (and makes sure its execution was
started: executions are named, so a second start is a no-op); a different request for the
same domain is a 409."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from chalicelib.core.errors import Conflict, NotFound, PlanForbidden, ValidationFailed
from chalicelib.core.plans import plan_named
from chalicelib.provisioning.records import (
    MailboxRequest,
    Server,
    ServerRequest,
    new_server_id,
)
from chalicelib.provisioning.rules import LIVE_STATUSES, SERVERS_BY_PLAN

if TYPE_CHECKING:
    from chalicelib.core.clock import Clock
    from chalicelib.core.pagination import Page
    from chalicelib.core.tenancy import TenantContext
    from chalicelib.provisioning.ports import Platform, ServerStore

DECOMMISSIONABLE = frozenset({"ready", "failed"})


class Workflow(Protocol):
    def start(self, machine: str, name: str, payload: dict[str, Any]) -> str:
        """Start (or find already started) the named execution of ``machine``."""
        ...


@dataclass
class ServerApiPorts:
    servers: ServerStore
    workflow: Workflow
    platform: Platform
    clock: Clock
    normalise_domain: Any  # (str) -> str, raising ValidationFailed (domains' rule)


def _request(ports: ServerApiPorts, body: Any) -> ServerRequest:
    try:
        domain = ports.normalise_domain(body.domain)
    except ValidationFailed as exc:
        raise ValidationFailed(f"domain: {exc}", {"field": "domain"}) from exc
    boxes = tuple(
        MailboxRequest(m.local_part, m.display_name, m.daily_limit) for m in body.mailboxes
    )
    if len({b.local_part for b in boxes}) != len(boxes):
        raise ValidationFailed("mailboxes: local_part repeats", {"field": "mailboxes"})
    return ServerRequest(body.region, body.size, domain, body.dns_provider, boxes, body.warmup_plan)


def live_servers(store: ServerStore, tenant_id: str) -> list[Server]:
    """Every server of the tenant that counts against its plan (all pages)."""
    servers: list[Server] = []
    token = None
    while True:
        page = store.list(tenant_id, 100, token)
        servers += [s for s in page.items if s.status in LIVE_STATUSES]
        token = page.next_token
        if not token:
            return servers


def create_server(ports: ServerApiPorts, ctx: TenantContext, body: Any) -> tuple[Server, bool]:
    """The server and whether it is new (201) or the same request again (200)."""
    request = _request(ports, body)
    live = live_servers(ports.servers, ctx.tenant_id)
    same = [s for s in live if s.request.domain == request.domain]
    if same:
        if same[0].request != request:
            raise Conflict(f"{request.domain} already has a server", {"field": "domain"})
        _start(ports, same[0])
        return same[0], False
    _check_plan(ports, ctx, request, live)
    now = ports.clock.now_iso()
    server_id = new_server_id()
    server = Server(
        tenant_id=ctx.tenant_id,
        server_id=server_id,
        status="provisioning",
        request=request,
        created_at=now,
        updated_at=now,
        execution=f"{server_id}-provision",
    )
    ports.platform.reserve_domain(ctx.tenant_id, request.domain, server_id)  # Conflict if taken
    try:
        saved = ports.servers.save(server)
    except BaseException:
        ports.platform.release_domain(ctx.tenant_id, request.domain)
        raise
    _start(ports, saved)
    return saved, True


def _check_plan(
    ports: ServerApiPorts, ctx: TenantContext, request: ServerRequest, live: list[Server]
) -> None:
    allowed = SERVERS_BY_PLAN.get(ctx.plan, 1)
    if allowed is not None and len(live) >= allowed:
        raise PlanForbidden(f"plan {ctx.plan} allows {allowed} server(s)", {"limit": allowed})
    mailbox_limit = plan_named(ctx.plan).mailboxes
    wanted = ports.platform.mailbox_count(ctx.tenant_id) + len(request.mailboxes)
    if mailbox_limit is not None and wanted > mailbox_limit:
        raise PlanForbidden(
            f"plan {ctx.plan} allows {mailbox_limit} mailboxes", {"limit": mailbox_limit}
        )
    if ports.platform.domain_taken(ctx.tenant_id, request.domain, ""):
        raise Conflict(f"{request.domain} is already a sending domain", {"field": "domain"})


def _start(ports: ServerApiPorts, server: Server) -> None:
    machine = "decommission" if server.execution.endswith("-decommission") else "provision"
    payload = {"tenant_id": server.tenant_id, "server_id": server.server_id}
    ports.workflow.start(machine, server.execution, payload)


def find_server(ports: ServerApiPorts, ctx: TenantContext, server_id: str) -> Server:
    server = ports.servers.get(ctx.tenant_id, server_id) if server_id.startswith("srv_") else None
    if server is None:
        raise NotFound(f"no server {server_id}", {"server_id": server_id})
    return server


def list_servers(
    ports: ServerApiPorts, ctx: TenantContext, limit: int, token: str | None
) -> Page[Server]:
    return ports.servers.list(ctx.tenant_id, limit, token)


def decommission_server(ports: ServerApiPorts, ctx: TenantContext, server_id: str) -> Server:
    """Start the decommission of a ready (or failed) server; asking again is a no-op."""
    from dataclasses import replace

    server = find_server(ports, ctx, server_id)
    if server.status in ("decommissioning", "decommissioned"):
        return server
    if server.status not in DECOMMISSIONABLE:
        raise Conflict(
            f"server {server_id} is {server.status}; it can be decommissioned when ready",
            {"status": server.status},
        )
    changed = replace(
        server,
        status="decommissioning",
        execution=f"{server_id}-decommission",
        updated_at=ports.clock.now_iso(),
    )
    saved = ports.servers.save(changed)
    _start(ports, saved)
    return saved
