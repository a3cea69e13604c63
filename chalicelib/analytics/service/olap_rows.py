"""The OLAP rows of a batch of events, enriched from their messages' facts: one read of the
sending feature's facts per tenant of the batch (one BatchGetItem per 100 messages). Used by
the Firehose transformation Lambda on AWS and by the local Firehose, so both write the same
rows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.analytics import olap

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from chalicelib.analytics.ports import MessageFactsSource
    from chalicelib.analytics.rules.counting import MessageFacts


def olap_rows(
    events: Sequence[Mapping[str, Any]], facts: MessageFactsSource
) -> list[dict[str, Any]]:
    """``olap.rows`` of ``events`` with the facts of every message they name."""
    known: dict[str, dict[str, MessageFacts]] = {
        tenant_id: facts(tenant_id, message_ids)
        for tenant_id, message_ids in olap.wanted(events).items()
    }
    return olap.rows(events, known)
