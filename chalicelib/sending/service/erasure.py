"""Whether an address may be mailed, and the suppression an erased person leaves behind:
the address kept only as its hash (``rules.suppressions.hashed``), so the person is never
mailed again while the platform no longer holds the address in clear (PRODUCT.md "Privacy
and retention"). The send guard ``hold_if_suppressed`` sees hashed entries through the same
store check as plain ones. ``suppressed_among`` checks many addresses at once (the store's
batch check: one BatchGetItem per 25 addresses)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.core.events import new_event
from chalicelib.sending.rules.suppressions import Suppression, hashed, normalise

if TYPE_CHECKING:
    from collections.abc import Sequence

    from chalicelib.sending.ports import SuppressionStore

ERASED_REASON = "the person's data was erased; kept as a hash"


def is_suppressed(suppressions: SuppressionStore, tenant_id: str, address: str) -> bool:
    """On the tenant's list or the global one, in clear or hashed."""
    return bool(suppressions.check([(tenant_id, address)]))


def suppressed_among(
    suppressions: SuppressionStore, tenant_id: str, addresses: Sequence[str]
) -> set[str]:
    """The ``addresses`` (as given) on the tenant's list or the global one, in clear or
    hashed: one batch check for all of them."""
    if not addresses:
        return set()
    found = suppressions.check([(tenant_id, a) for a in dict.fromkeys(addresses)])
    return {a for a in addresses if (tenant_id, normalise(a)) in found}


def suppress_erased(suppressions: SuppressionStore, tenant_id: str, address: str, at: str) -> None:
    """Suppress ``address`` for the tenant by its hash, then drop the tenant's entry that
    holds it in clear (in that order: the address is never mailable in between). Its event
    names the hash, never the address. Doing it again changes nothing."""
    key = hashed(address)
    entry = Suppression(
        address=key,
        scope="tenant",
        reason=ERASED_REASON,
        source="erasure",
        created_at=at,
        actor="privacy:erasure",
    )
    event = new_event(
        "recipient.suppressed", tenant_id, at, address=key, reason=ERASED_REASON, source="erasure"
    )
    suppressions.add(tenant_id, entry, [event])
    suppressions.remove(tenant_id, address)
