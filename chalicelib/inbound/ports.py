"""What the inbound use cases need: where inbound mail is read from and kept, and the
sending feature's messages and suppressions it acts on."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Iterable

    from chalicelib.core.events import Event
    from chalicelib.core.pagination import Page
    from chalicelib.inbound.rules.classify import Classification
    from chalicelib.inbound.rules.records import InboundMessage
    from chalicelib.sending import Message, Suppression


class InboundStore(Protocol):
    def save(self, message: InboundMessage) -> None: ...

    def list(
        self, tenant_id: str, limit: int, token: str | None, filters: dict[str, str]
    ) -> Page[InboundMessage]: ...


class RawStore(Protocol):
    def put_raw(self, key: str, raw: bytes) -> None: ...

    def put_text(self, key: str, text: str) -> None: ...


class MessageStore(Protocol):
    """The sending feature's messages, as far as inbound mail changes them."""

    def get(self, tenant_id: str, message_id: str) -> Message | None: ...

    def transition(
        self,
        message: Message,
        expect_status: Iterable[str],
        expect_attempts: int,
        lease_until: int = 0,
        events: Iterable[Event] = (),
    ) -> None: ...


class SuppressionStore(Protocol):
    def add(self, tenant_id: str, entry: Suppression, events: Iterable[Event] = ()) -> bool: ...


class SoftBounces(Protocol):
    """The sending feature's runs of soft bounces (one per recipient, since its last
    delivery)."""

    def record(self, tenant_id: str, address: str, source_id: str) -> int:
        """The recipient's run with this bounce (counted once per ``source_id``)."""
        ...

    def end(self, tenant_id: str, address: str) -> None:
        """A reply shows the mailbox takes mail again: the run ends."""
        ...


class Unsubscriber(Protocol):
    def __call__(self, tenant_id: str, message_id: str, how: str) -> bool:
        """The sending feature's unsubscribe: suppress the message's recipient for the
        tenant; True when suppressed now."""
        ...


class Classifier(Protocol):
    def __call__(self, raw: bytes, envelope_rcpt: str) -> Classification: ...


class InboxState(Protocol):
    def last_uid(self, tenant_id: str, mailbox_id: str) -> int: ...

    def save_uid(self, tenant_id: str, mailbox_id: str, uid: int) -> None: ...


class InboxSource(Protocol):
    def fetch_since(self, last_uid: int, limit: int) -> list[tuple[int, bytes]]:
        """New messages above ``last_uid``, oldest first, at most ``limit``."""
        ...


class PollQueue(Protocol):
    """One job per mailbox to poll: (tenant id, mailbox id, delay seconds)."""

    def enqueue_many(
        self, queue: str, jobs: list[tuple[str, str, int]], key: str = "message_id"
    ) -> None: ...
