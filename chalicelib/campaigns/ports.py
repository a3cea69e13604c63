"""What the campaigns use cases need: their own storage (campaigns, enrolments with the due
index, progress counters, the scheduler's allocations) and the other features they use
(contacts, the campaign side of sending, mailboxes, templates, tenants' plans)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import builtins
    from collections.abc import Iterable, Mapping, Sequence

    from chalicelib.campaigns.model import Campaign, Capacity, Enqueued, Enrolment, Outgoing
    from chalicelib.core.events import Event
    from chalicelib.core.pagination import Page


class CampaignStore(Protocol):
    def create(self, campaign: Campaign, events: Sequence[Event] = ()) -> None:
        """Store a new campaign with ``events`` (the outbox), in one transaction."""
        ...

    def get(self, tenant_id: str, campaign_id: str) -> Campaign | None: ...

    def list(self, tenant_id: str, limit: int, token: str | None) -> Page[Campaign]: ...

    def save(self, campaign: Campaign, expect_version: int, events: Sequence[Event] = ()) -> bool:
        """Write ``campaign`` (its version one more than ``expect_version``) if the stored one
        still has ``expect_version``, with ``events`` (the outbox) in the same transaction;
        False otherwise (and no event is stored)."""
        ...

    def delete(self, tenant_id: str, campaign_id: str) -> None: ...

    def raise_reached(self, tenant_id: str, campaign_id: str, position: int) -> None:
        """Record that some enrolment has passed step ``position`` (only ever raised; a
        change of the campaign counts as one, so a concurrent edit is refused)."""
        ...

    def set_winner(self, tenant_id: str, campaign_id: str, step: int, variant: str) -> bool:
        """Record ``variant`` as the A/B winner of email step ``step`` unless the step has one
        already (a winner is never replaced); a change of the campaign (its version moves).
        False when the step had a winner or the campaign is gone."""
        ...

    def active(self, limit: int) -> builtins.list[tuple[str, str]]:
        """(tenant id, campaign id) of every scheduled or sending campaign."""
        ...


class EnrolmentStore(Protocol):
    def get_many(
        self, tenant_id: str, campaign_id: str, ids: Sequence[str]
    ) -> dict[str, Enrolment]: ...

    def add_new(self, enrolments: Sequence[Enrolment]) -> int:
        """Store the enrolments of one campaign (none stored yet) and count them as enrolled
        and waiting for step 1 in the progress counters; how many were written."""
        ...

    def list(
        self, tenant_id: str, campaign_id: str, limit: int, token: str | None
    ) -> Page[Enrolment]: ...

    def find(self, tenant_id: str, pairs: Sequence[tuple[str, str]]) -> builtins.list[Enrolment]:
        """The stored enrolments among (campaign id, enrolment id) pairs of the tenant, in
        reads of 100 (a person's enrolments across the tenant's campaigns)."""
        ...

    def forget(self, enrolment: Enrolment, counts: Mapping[str, int]) -> bool:
        """Delete the enrolment if its version is still ``enrolment.version``, moving the
        progress counters by ``counts`` in the same transaction; False otherwise."""
        ...

    def due(
        self, tenant_id: str, campaign_id: str, shard: int, until: str, limit: int
    ) -> builtins.list[Enrolment]:
        """Active enrolments of one shard due by ``until``, oldest first."""
        ...

    def lease(
        self, enrolment: Enrolment, until: int, now: int, mailbox_id: str | None
    ) -> Enrolment | None:
        """Take the enrolment for one step if its version is still ``enrolment.version`` and
        no other run holds it (lease past ``now``); the leased enrolment, or None."""
        ...

    def advance(self, before: Enrolment, after: Enrolment, counts: Mapping[str, int]) -> bool:
        """Write ``after`` if the stored version is ``before.version``, and move the progress
        counters by ``counts`` in the same transaction."""
        ...

    def flag(
        self,
        enrolment: Enrolment,
        flags: Sequence[str],
        counts: Mapping[str, int],
        changes: Mapping[str, Any],
    ) -> bool:
        """Set ``flags`` (none of which may be set yet), apply ``changes`` (status,
        stop_reason, due_at, position) and move the counters, in one transaction; False when a
        flag was already set (a redelivered event) or the enrolment changed meanwhile."""
        ...

    def progress(self, tenant_id: str, campaign_id: str) -> dict[str, int]:
        """The campaign's counters, summed over its shards."""
        ...

    def allocations(self, tenant_id: str, day: str) -> dict[str, int]: ...

    def allocate(self, tenant_id: str, day: str, counts: Mapping[str, int]) -> None: ...


class Contacts(Protocol):
    """The contacts directory (``contacts.directory()``), as far as campaigns use it."""

    def get_many(self, tenant_id: str, contact_ids: Sequence[str]) -> dict[str, Any]: ...

    def list_exists(self, tenant_id: str, list_id: str) -> bool: ...

    def list_members(
        self, tenant_id: str, list_id: str, limit: int, token: str | None
    ) -> tuple[builtins.list[str], str | None]: ...

    def set_status(
        self, tenant_id: str, contact_id: str, status: str, reason: str, at: str
    ) -> bool: ...

    def field_types(self, tenant_id: str) -> dict[str, str]: ...


class CampaignSender(Protocol):
    """The campaign side of sending (``sending.enqueue_campaign`` and friends)."""

    def enqueue(
        self, tenant_id: str, plan: str, sends: Sequence[Outgoing]
    ) -> builtins.list[Enqueued]: ...

    def message_id(self, enrolment_id: str, step: int) -> str: ...

    def rfc_message_id(self, message_id: str, from_address: str) -> str: ...

    def capacity(
        self, tenant_id: str, mailbox_ids: Sequence[str], day: str
    ) -> dict[str, Capacity]: ...

    def suppressed_among(self, tenant_id: str, addresses: Sequence[str]) -> set[str]:
        """Those of ``addresses`` (as given) the tenant may not mail: on its suppression list
        or the global one, in clear or hashed; one batch look-up for all of them."""
        ...

    def message_campaign(self, tenant_id: str, message_id: str) -> dict[str, Any] | None:
        """The ``campaign`` link of a stored message (for opens and clicks), or None."""
        ...


class Mailboxes(Protocol):
    def addresses(self, tenant_id: str, mailbox_ids: Iterable[str]) -> dict[str, str]:
        """mailbox id -> sending address, for the ids that are the tenant's."""
        ...


class Templates(Protocol):
    def sources(self, tenant_id: str, template_id: str) -> dict[str, Any] | None:
        """``{"subject", "html", "text", "variables"}`` of the tenant's template, or None."""
        ...


class Plans(Protocol):
    def plan_of(self, tenant_id: str) -> str | None: ...
