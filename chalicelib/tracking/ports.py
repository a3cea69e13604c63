"""What the tracking use cases need: the token keys and the unsubscribe (both the sending
feature's), the event publisher (opens and clicks change no stored state, so each event is an
item of the outbox table, relayed like the others), the recent clicks of a message (the one
store the hit path reads) and a way to report what failed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from chalicelib.sending import TokenClaims, TokenKeys


class KeySource(Protocol):
    def __call__(self) -> TokenKeys:
        """The current keys; raises when they cannot be read."""
        ...


class Unsubscriber(Protocol):
    def __call__(self, claims: TokenClaims, how: str) -> bool:
        """Suppress the token's recipient for its tenant; True when suppressed now."""
        ...


class FailureReport(Protocol):
    def __call__(self) -> None: ...


class RecentClicks(Protocol):
    def record(
        self, tenant_id: str, message_id: str, link_index: int, at: float
    ) -> list[tuple[int, float]]:
        """Note a click of link ``link_index`` at ``at`` (Unix seconds) and answer the
        message's clicks known before it, as (link index, time of its latest click)."""
        ...


class StoreFailure(Protocol):
    def __call__(self, error: Exception) -> None: ...
