"""Authentication within the API's limits (the rules: ``rules.limits``).

Order, cheapest first: the source address's failed authentications are checked before any
key is read (an attacker cycling invalid keys is refused from memory, costing nothing);
then the caller is authenticated (two GetItems); a failure is charged to its address; then
a tenant caller's request is counted, with one UpdateItem, for its tenant and its key, and
refused over the plan's window. A window this container already saw full refuses at once,
without a write, until it frees. The operators' admin key has no tenant limit (the address
limit still holds); the public routes never come here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from chalicelib.accounts.rules import limits
from chalicelib.core.errors import RateLimited, Unauthorized

if TYPE_CHECKING:
    from collections.abc import Callable

    from chalicelib.accounts.ports import LocalLimits, RateCounter
    from chalicelib.core.clock import Clock
    from chalicelib.core.tenancy import RequestContext, TenantContext


@dataclass
class LimitPorts:
    counter: RateCounter
    memory: LocalLimits
    clock: Clock
    scale: float = 1.0  # multiplies every plan's burst (settings: PM_API_RATE_SCALE)


def within_limits(
    ports: LimitPorts, source_ip: str, authenticate: Callable[[], RequestContext]
) -> RequestContext:
    """``authenticate()``, guarded by the address limit, then counted for a tenant caller."""
    _refuse_failing_address(ports, source_ip)
    try:
        ctx = authenticate()
    except Unauthorized:
        ports.memory.charge_failure(source_ip, _now(ports))
        raise
    if ctx.tenant is None:
        return ctx
    return replace(ctx, headers=tuple(admit(ports, ctx.tenant).items()))


def admit(ports: LimitPorts, tenant: TenantContext) -> dict[str, str]:
    """The ``RateLimit-*`` headers of an admitted request; ``RateLimited`` over the limit."""
    now = _now(ports)
    burst = limits.burst_for(tenant.plan, ports.scale)
    names = {"tenant": f"t#{tenant.tenant_id}", "key": f"k#{tenant.tenant_id}#{tenant.key_id}"}
    for scope, name in names.items():
        until = ports.memory.blocked_until(name)
        if until > now:
            _refuse(limits.refused_locally(burst, until, now, scope))
    counts = ports.counter.hit(tenant.tenant_id, tenant.key_id, math.floor(now))
    decision = limits.decide(counts, burst, now)
    if not decision.allowed:
        ports.memory.block(names[decision.scope], limits.blocked_until(decision, now))
        _refuse(decision)
    return limits.rate_headers(decision)


def _refuse(decision: limits.RateDecision) -> None:
    whose = "this API key" if decision.scope == "key" else "this tenant"
    raise RateLimited(
        f"too many requests for {whose}: {decision.limit} per {limits.WINDOW_SECONDS} s; "
        f"retry after {decision.retry_after_seconds} s",
        {
            "limit": decision.limit,
            "window_seconds": limits.WINDOW_SECONDS,
            "retry_after_seconds": decision.retry_after_seconds,
            "scope": decision.scope,
        },
        limits.rate_headers(decision),
    )


def _refuse_failing_address(ports: LimitPorts, source_ip: str) -> None:
    now = _now(ports)
    wait = limits.failure_retry_after(ports.memory.failures(source_ip), now)
    if not wait:
        return
    limit, window = limits.FAILURES_PER_IP, limits.FAILURE_WINDOW_SECONDS
    raise RateLimited(
        f"too many failed authentications from this address; retry after {wait} s",
        {
            "limit": limit,
            "window_seconds": int(window),
            "retry_after_seconds": wait,
            "scope": "source_ip",
        },
        {
            "Retry-After": str(wait),
            "RateLimit-Limit": str(limit),
            "RateLimit-Remaining": "0",
            "RateLimit-Reset": str(wait),
            "RateLimit-Policy": f"{limit};w={int(window)}",
        },
    )


def _now(ports: LimitPorts) -> float:
    return ports.clock.now().timestamp()
