"""Old events for replays, from the analytics tier's event files (Athena deployed, DuckDB
over the same Parquet layout locally: ``analytics.queries``).

The files keep each event's ids and typed columns, not its whole body, so an archived
event's envelope is rebuilt from them: ``event_id``, ``type``, ``tenant_id``,
``occurred_at``, ``schema_version`` and the ids and numbers the row holds (message,
mailbox, domain, campaign, contact, step, variant, SMTP code). Fields only the stream carried
(a bounce's diagnostic text, a click's URL) are not in the replayed body; the event log
(the last 7 days) replays whole envelopes.

The stream and Firehose deliver at least once, so the files may hold an event twice (a
producer's retry, a redone flush): a page groups the rows by event (each comes once, its
ids the non-empty ones of its copies) and the count counts distinct events. The SQL is
plain enough for both engines (Athena's, translated for DuckDB by the local adapter)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from chalicelib.core.clock import iso, parse_iso
from chalicelib.core.events import SCHEMA_VERSION

if TYPE_CHECKING:
    from chalicelib.analytics import AnalyticsQueries
    from chalicelib.core.events import Event
    from chalicelib.webhooks.ports import Window

FIELDS = (
    "message_id",
    "mailbox_id",
    "domain_id",
    "campaign_id",
    "contact_id",
    "step",
    "variant",
    "smtp_code",
)


def _quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _stamp(value: str) -> str:
    """An ISO time as an Athena timestamp literal (UTC, milliseconds)."""
    moment = parse_iso(value).astimezone(UTC)
    return "TIMESTAMP " + _quoted(
        moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}"
    )


def _conditions(tenant_id: str, window: Window, after: str | None) -> str:
    terms = [
        f"tenant_id = {_quoted(tenant_id)}",
        f"day BETWEEN {_quoted(window.first[:10])} AND {_quoted(window.last[:10])}",
        f"occurred_at >= {_stamp(window.first)}",
        f"occurred_at < {_stamp(window.last)}",
    ]
    if window.types:
        terms.append(f"type IN ({', '.join(_quoted(t) for t in window.types)})")
    if after:
        at, _, event_id = after.rpartition("#")
        terms.append(
            f"(occurred_at > {_stamp(at)} OR (occurred_at = {_stamp(at)} "
            f"AND event_id > {_quoted(event_id)}))"
        )
    return " AND ".join(terms)


def _occurred(value: Any) -> str:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return iso(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def _merged() -> list[str]:
    """Each field over an event's copies: the one they hold (``max`` skips the empty)."""
    return [f"max({name}) AS {name}" for name in FIELDS]


def envelope(tenant_id: str, row: dict[str, Any]) -> Event:
    event: Event = {
        "event_id": row["event_id"],
        "type": row["type"],
        "tenant_id": tenant_id,
        "occurred_at": _occurred(row["occurred_at"]),
        "schema_version": SCHEMA_VERSION,
    }
    event.update({name: row[name] for name in FIELDS if row.get(name) is not None})
    return event


class OlapArchive:
    def __init__(self, queries: AnalyticsQueries) -> None:
        self._queries = queries

    def page(self, tenant_id: str, window: Window, after: str | None, limit: int) -> list[Event]:
        columns = ", ".join(("event_id", "type", "occurred_at", *_merged()))
        sql = (
            f"SELECT {columns} FROM events WHERE {_conditions(tenant_id, window, after)} "
            "GROUP BY event_id, type, occurred_at "
            f"ORDER BY occurred_at, event_id LIMIT {int(limit)}"
        )
        result = self._queries.run(sql)
        return [envelope(tenant_id, dict(zip(result.columns, r, strict=True))) for r in result.rows]

    def count(self, tenant_id: str, window: Window) -> int:
        where = _conditions(tenant_id, window, None)
        sql = f"SELECT count(DISTINCT event_id) AS n FROM events WHERE {where}"
        rows = self._queries.run(sql).rows
        return int(rows[0][0]) if rows else 0
