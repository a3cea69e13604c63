"""The plans of PRODUCT.md: what each tenant plan allows, and the warm-up plans.

``None`` means unlimited. Starter tenants use the API with the ``send`` scope only.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from chalicelib.core.errors import PlanForbidden


@dataclass(frozen=True)
class Plan:
    name: str
    emails_per_month: int | None
    domains: int | None
    mailboxes: int | None
    send_rate_per_second: int
    full_api: bool

    def limits(self) -> dict[str, Any]:
        body = asdict(self)
        body.pop("name")
        body["api_scopes"] = ["full", "send"] if self.full_api else ["send"]
        body.pop("full_api")
        return body


PLANS: dict[str, Plan] = {
    "starter": Plan("starter", 10_000, 5, 10, 10, full_api=False),
    "professional": Plan("professional", 50_000, 15, 50, 30, full_api=True),
    "business": Plan("business", 200_000, None, 200, 100, full_api=True),
    "enterprise": Plan("enterprise", None, None, None, 300, full_api=True),
}

PLAN_NAMES = tuple(PLANS)


def plan_named(name: str) -> Plan:
    return PLANS[name]


def effective_scope(plan: Plan, key_scope: str) -> str:
    """A key never grants more than its tenant's plan allows."""
    return key_scope if plan.full_api else "send"


def ensure_scope_allowed(plan: Plan, scope: str) -> None:
    if scope == "full" and not plan.full_api:
        raise PlanForbidden(
            f"plan {plan.name} allows API keys with the send scope only",
            {"field": "scope", "plan": plan.name, "allowed": ["send"]},
        )


WARMUP_PLANS = {  # days, start per day, peak per day (PRODUCT.md "Warm-up")
    "conservative": (56, 5, 300),
    "standard": (42, 10, 500),
    "aggressive": (28, 20, 1000),
}


def warmup_limit(plan: str, day: int) -> int:
    """Daily volume on warm-up day ``day``: floor(start + (peak − start) × d / days), ≤ peak.
    An unknown plan name gets the conservative plan's volume: a cap errs on the safe side."""
    days, start, peak = WARMUP_PLANS.get(plan, WARMUP_PLANS["conservative"])
    return min(peak, math.floor(start + (peak - start) * max(day, 0) / days))
