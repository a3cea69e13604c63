"""Inbox rotation: which of a campaign's mailboxes sends a contact's next email. A contact's
first email goes from the healthy mailbox with the most capacity left today; every later
one from the same mailbox (follow-ups are replies in one thread), so when that mailbox
cannot send now the contact waits for it rather than switching.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence


def pick_mailbox(
    sticky: str | None,
    capacity: Mapping[str, int],
    healthy: Mapping[str, bool],
    allowed: Sequence[str],
) -> str | None:
    """The mailbox to send from now, or None (nothing can send now: the contact waits).

    ``sticky``: the contact's mailbox so far (None before the first email); ``capacity``:
    remaining sends today per mailbox; ``healthy``: per mailbox (missing means no);
    ``allowed``: the campaign's rotation set, in order (the order breaks ties)."""
    if sticky is not None:
        return sticky if sticky in allowed and _can_send(sticky, capacity, healthy) else None
    best: str | None = None
    for mailbox in allowed:
        if _can_send(mailbox, capacity, healthy) and (
            best is None or capacity[mailbox] > capacity[best]
        ):
            best = mailbox
    return best


def _can_send(mailbox: str, capacity: Mapping[str, int], healthy: Mapping[str, bool]) -> bool:
    return healthy.get(mailbox, False) and capacity.get(mailbox, 0) > 0
