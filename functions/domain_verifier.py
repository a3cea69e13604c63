"""Domain re-verification (schedule, hourly): checks every domain whose check is due.

Due domains come from the sharded ``by_check_due`` index (no scan); each is verified with
the same use case as ``POST /v1/domains/{id}/verify``, so a verified domain that starts
failing is flagged and stops sending until it passes again. One domain's failure never
stops the run; at most ``MAX_PER_RUN`` domains are checked, the rest stay due.
"""

from __future__ import annotations

from typing import Any

from chalicelib import accounts, domains
from chalicelib.aws import powertools
from chalicelib.core.tenancy import system_context
from functions._runtime import count, invocation

MAX_PER_RUN = 200


def verify_due() -> dict[str, int]:
    ports = domains.domain_ports()
    due = ports.domains.due(ports.clock.now_iso(), domains.CHECK_SHARDS, MAX_PER_RUN)
    outcome = {"checked": 0, "verified": 0, "failed": 0, "errors": 0}
    for tenant_id, domain_id in due:
        tenant = accounts.tenants().get(tenant_id)
        if tenant is None:
            continue
        ctx = system_context(tenant_id, tenant.plan, actor="system")
        try:
            result = domains.verify_domain(ports, ctx, domain_id)
        except Exception:  # noqa: BLE001 - logged and counted; the next domain still runs
            powertools.logger().exception("re-verification failed", extra={"domain_id": domain_id})
            outcome["errors"] += 1
            continue
        outcome["checked"] += 1
        outcome["verified" if result.status == "verified" else "failed"] += 1
    return outcome


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    with invocation("domain_verifier", context) as log:
        outcome = verify_due()
        count("DomainsChecked", outcome["checked"])
        log.info("domains re-verified", extra=outcome)
        return outcome
