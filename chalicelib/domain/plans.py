"""The plans of PRODUCT.md and what each one allows.

``None`` means unlimited. Starter tenants use the API with the ``send`` scope only.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from chalicelib.errors import PlanForbidden


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
