"""Who owns the records a report filter names. The features owning campaigns, mailboxes and
domains import analytics (counters), so analytics cannot import them back: ``app.py``
registers one check per filter here, as it registers the contacts' personal-data hooks."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from chalicelib.core.tenancy import TenantContext

    OwnerCheck = Callable[[TenantContext, str], bool]

_CHECKS: dict[str, OwnerCheck] = {}


def register_record_owner(field: str, owns: OwnerCheck) -> None:
    """``owns(tenant, record_id)`` answers for filter ``field`` (``campaign_id``, …)."""
    _CHECKS[field] = owns


class RegisteredOwners:
    def owns(self, tenant: TenantContext, field: str, record_id: str) -> bool:
        check = _CHECKS.get(field)
        if check is None:
            raise RuntimeError(f"no owner check is registered for the filter {field}")
        return check(tenant, record_id)
