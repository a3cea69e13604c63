"""What stops, skips or delays a contact's sequence: the contact statuses that end every
sequence, whether a condition step lets the contact through, and how far an out-of-office
reply with a return date pushes the next step.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from chalicelib.campaigns.rules.local_time import aware, instant_at

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

STOP_STATUSES = frozenset({"replied", "bounced", "unsubscribed", "complained"})
CONDITIONS = ("not_opened", "not_clicked", "not_replied")
RETURN_MORNING = time(9, 0)  # local time the next step may go after an out-of-office
# A return date further off than this is more likely misread than true: the delay stops there.
MAX_OOO_DELAY = timedelta(days=90)


def condition_holds(condition: str, opened: bool, clicked: bool, replied: bool) -> bool:
    """Whether the contact goes on past a condition step (``not_opened`` holds for a
    contact who opened nothing so far, …)."""
    if condition == "not_opened":
        return not opened
    if condition == "not_clicked":
        return not clicked
    if condition == "not_replied":
        return not replied
    raise ValueError(f"unknown condition {condition!r} (one of {', '.join(CONDITIONS)})")


def ooo_delay(return_on: str | None, zone: ZoneInfo, next_due: datetime) -> datetime:
    """When the next step may go after an out-of-office reply: not before 09:00 local on
    the return date (``YYYY-MM-DD``), and never earlier than it was due anyway. No date, or
    one that cannot be read, leaves ``next_due`` as it was; the delay is at most
    ``MAX_OOO_DELAY``."""
    due = aware(next_due)
    back = _date(return_on)
    if back is None:
        return due
    morning = instant_at(back, RETURN_MORNING, zone)
    return max(due, min(morning, due + MAX_OOO_DELAY))


def _date(value: str | None) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
