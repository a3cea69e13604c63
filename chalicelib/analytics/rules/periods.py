"""Which real-time counters an event moves, and how a period and a counter are named.

Per tenant: the event type per month and per day, and messages sent per mailbox per day.
The period formats are owned here; other features read counters only through
``month_period`` and ``mailbox_day_period``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.core.events import Event


def month_period(month: str) -> str:
    """``YYYY-MM`` → the period of a tenant's month."""
    return f"month#{month}"


def day_period(day: str) -> str:
    return f"day#{day}"


def mailbox_day_period(mailbox_id: str, day: str) -> str:
    """A mailbox's day (``YYYY-MM-DD``): what its daily cap is counted against."""
    return f"mailbox#{mailbox_id}#day#{day}"


def counter_names(event: Event) -> list[str]:
    """Which per-tenant counters an event moves: its type, per month and per day."""
    day = str(event["occurred_at"])[:10]
    names = [month_period(day[:7]), day_period(day)]
    if event.get("type") == "message.sent" and event.get("mailbox_id"):
        names.append(mailbox_day_period(str(event["mailbox_id"]), day))
    return names


def counter_attribute(event_type: str) -> str:
    """Counter attribute name for an event type: ``tenant.created`` → ``n_tenant_created``."""
    return "n_" + event_type.replace(".", "_")


def counted_name(attribute: str) -> str | None:
    """The counter name an attribute stores (``n_message_sent`` → ``message_sent``)."""
    return attribute[2:] if attribute.startswith("n_") else None
