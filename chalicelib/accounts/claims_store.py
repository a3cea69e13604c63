"""Notification claims in DynamoDB: the notifier claims a notification's id before sending
it, so a redelivered job is sent at most once. Apart from ``store`` so the notifier loads
only this model.

Key format owned here: the idempotency table's ``tenant_id`` + ``notification#<id>``
(``<scope>#<id>``), kept a week by TTL. Completing a claim with events writes them to the
outbox table in the same transaction (``chalicelib.aws.outbox``): a notification marked sent
always has its ``notification.sent`` event, and one that is not has none.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError
from pynamodb.models import Model

from chalicelib.aws.dynamodb import table_model

if TYPE_CHECKING:
    from collections.abc import Iterable

    from chalicelib.core.events import Event

CLAIM_TTL_SECONDS = 7 * 24 * 3600


@table_model("IdempotencyTable")
class IdempotencyItem(Model):
    class Meta:
        pass

    tenant_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    status = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    expires_at = NumberAttribute(null=True)


def _claim_key(scope: str, item_id: str) -> str:
    return f"{scope}#{item_id}"


class DynamoClaims:
    """Claim an id before doing work, mark it done after. A claim that finds ``done`` means
    the work already happened: skip it. A claim that finds ``in_progress`` older than the
    lease belongs to a worker that died: take it over."""

    def __init__(self, lease_seconds: int = 120) -> None:
        self._lease = lease_seconds

    def claim(self, tenant_id: str, scope: str, item_id: str) -> bool:
        """True when the caller should do the work now."""
        now = int(time.time())
        item = IdempotencyItem(
            tenant_id,
            _claim_key(scope, item_id),
            status="in_progress",
            updated_at=str(now),
            expires_at=now + CLAIM_TTL_SECONDS,
        )
        stale = (IdempotencyItem.status == "in_progress") & (
            IdempotencyItem.updated_at < str(now - self._lease)
        )
        try:
            item.save(condition=IdempotencyItem.sk.does_not_exist() | stale)
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def complete(
        self, tenant_id: str, scope: str, item_id: str, events: Iterable[Event] = ()
    ) -> None:
        now = int(time.time())
        done = IdempotencyItem(
            tenant_id,
            _claim_key(scope, item_id),
            status="done",
            updated_at=str(now),
            expires_at=now + CLAIM_TTL_SECONDS,
        )
        carried = list(events)
        if not carried:
            done.save()
            return
        from chalicelib.aws import outbox

        outbox.save_with(done, carried)

    def release(self, tenant_id: str, scope: str, item_id: str) -> None:
        """Give a claim back after a failure so a retry can take it at once."""
        IdempotencyItem(tenant_id, _claim_key(scope, item_id), status="x", updated_at="").delete()
