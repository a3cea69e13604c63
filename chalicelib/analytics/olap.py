"""The OLAP tier's row: one per event, the columns of the Glue table ``events`` (Parquet,
partitioned by ``tenant_id`` and ``day``) that Athena queries on AWS and DuckDB locally.

``COLUMNS`` is the one declaration of the schema (the template's Glue table is held to it by
a test); ``row`` turns an event from the stream into that row. Events carry ids, never
content: a row keeps the ids present in the event and the recipient's domain, never the
address. Warm-up mail lands here too, tagged ``warmup`` (whether the event says so by its
tags or by ``purpose``), so a report excludes it with one predicate on ``tags``. Pure: no
SDK, no clock.

Opens, clicks, replies, complaints and unsubscribes name only their message; ``rows`` fills
what they lack (mailbox, domain, campaign, step, variant, recipient domain, the warm-up tag)
from the message's facts (``MessageFacts``, read by the caller per tenant: see
``analytics.olap_rows``). A field the event carries is kept as it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from chalicelib.analytics.rules.counting import MessageFacts

    Facts = Mapping[str, Mapping[str, MessageFacts]]  # tenant id → message id → facts

COLUMNS: tuple[tuple[str, str], ...] = (
    ("event_id", "string"),
    ("type", "string"),
    ("occurred_at", "timestamp"),
    ("tenant_id", "string"),
    ("day", "string"),
    ("message_id", "string"),
    ("mailbox_id", "string"),
    ("domain_id", "string"),
    ("campaign_id", "string"),
    ("step", "int"),
    ("variant", "string"),
    ("contact_id", "string"),
    ("recipient_domain", "string"),
    ("actor", "string"),
    ("smtp_code", "int"),
    ("tags", "array<string>"),
)
PARTITIONS: tuple[str, ...] = ("tenant_id", "day")
TABLE = "events"
PREFIX = "analytics/events/"  # under the data bucket: tenant_id=<t>/day=<d>/<file>.parquet
WARMUP_TAG = "warmup"

_IDS = ("message_id", "mailbox_id", "domain_id", "campaign_id", "variant", "contact_id")
_INTS = ("step", "smtp_code")
_FROM_FACTS = ("mailbox_id", "domain_id", "campaign_id", "step", "variant")


def data_columns() -> tuple[tuple[str, str], ...]:
    """The columns stored in the files (the partition columns live in the path)."""
    return tuple((name, kind) for name, kind in COLUMNS if name not in PARTITIONS)


def partition_prefix(tenant_id: str, day: str) -> str:
    """``analytics/events/tenant_id=<t>/day=<d>/``: where one tenant's day lives."""
    return f"{PREFIX}tenant_id={tenant_id}/day={day}/"


def row(event: Mapping[str, Any]) -> dict[str, Any]:
    """The OLAP row of ``event``, keyed in ``COLUMNS`` order; a field the event lacks is
    None. ``occurred_at`` is written as ``YYYY-MM-DD HH:MM:SS.fff`` (UTC), the form every
    Parquet writer and JSON SerDe reads as a timestamp."""
    occurred = str(event["occurred_at"])
    found: dict[str, Any] = {
        "event_id": str(event["event_id"]),
        "type": str(event["type"]),
        "occurred_at": timestamp_text(occurred),
        "tenant_id": str(event["tenant_id"]),
        "day": occurred[:10],
    }
    found |= {name: _text(event.get(name)) for name in _IDS}
    found |= {name: _integer(event.get(name)) for name in _INTS}
    found["recipient_domain"] = recipient_domain(event.get("to")) or _text(
        event.get("recipient_domain")
    )
    found["actor"] = _text(event.get("actor"))
    found["tags"] = tags(event)
    return {name: found[name] for name, _ in COLUMNS}


def wanted(events: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    """The message ids (per tenant, once each, in order) whose facts ``rows`` uses: every
    event naming a message (even a complete one may be warm-up mail only its facts tell)."""
    found: dict[str, dict[str, None]] = {}
    for event in events:
        if event.get("message_id"):
            found.setdefault(str(event["tenant_id"]), {})[str(event["message_id"])] = None
    return {tenant: list(ids) for tenant, ids in found.items()}


def enrich(event: Mapping[str, Any], facts: MessageFacts | None) -> dict[str, Any]:
    """``event`` with what its message's facts add: the fields it lacks, the recipient's
    domain when it has no address, the warm-up tag when its message is warm-up mail."""
    found = dict(event)
    if facts is None:
        return found
    for name in _FROM_FACTS:
        if found.get(name) is None:
            found[name] = getattr(facts, name)
    if found.get("recipient_domain") is None:
        found["recipient_domain"] = facts.recipient_domain
    if facts.warmup and not is_warmup(found):
        found["tags"] = [*tags(found), WARMUP_TAG]
    return found


def rows(events: Iterable[Mapping[str, Any]], facts: Facts) -> list[dict[str, Any]]:
    """The OLAP rows of ``events``, each enriched from its message's facts when known."""
    return [
        row(enrich(e, facts.get(str(e["tenant_id"]), {}).get(str(e.get("message_id") or ""))))
        for e in events
    ]


def timestamp_text(occurred_at: str) -> str:
    """``2026-11-28T12:00:00.123Z`` → ``2026-11-28 12:00:00.123``."""
    return occurred_at.replace("T", " ", 1).removesuffix("Z").removesuffix("+00:00")


def recipient_domain(to: object) -> str | None:
    """The domain part of a recipient address, lower case; None without one."""
    if not isinstance(to, str) or "@" not in to:
        return None
    domain = to.rpartition("@")[2].strip().rstrip(">").strip().lower()
    return domain or None


def tags(event: Mapping[str, Any]) -> list[str]:
    """The event's tags, plus ``warmup`` when its purpose is warm-up."""
    found = [str(t) for t in event.get("tags") or [] if isinstance(t, str)]
    if event.get("purpose") == WARMUP_TAG and WARMUP_TAG not in found:
        found.append(WARMUP_TAG)
    return found


def is_warmup(values: Mapping[str, Any]) -> bool:
    """Whether an event (or its row) is warm-up mail."""
    return WARMUP_TAG in tags(values)


def _text(value: object) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    return str(value)


def _integer(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None
