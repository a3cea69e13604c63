"""The ``ContactDirectory`` other features use (imports, campaigns): reads, status changes
from ``active`` (a reply, bounce, unsubscribe or complaint), and ``upsert_many``, the
import's write: each draft is checked, then created, merged into the contact holding its
address ("updated": tags and fields added, names replaced, lists joined) or found to bring
nothing new ("unchanged"), so running the same file again changes nothing. A batch reads
its claims, contacts and memberships in BatchGetItem calls and writes only what changes."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from chalicelib import sending
from chalicelib.contacts.ports import EmailTaken
from chalicelib.contacts.rules import checks
from chalicelib.contacts.rules import contacts as rules
from chalicelib.contacts.service import contacts as use
from chalicelib.core import ids

if TYPE_CHECKING:
    from collections.abc import Sequence

    from chalicelib.contacts.rules.contacts import Contact, ContactDraft, UpsertOutcome
    from chalicelib.contacts.service.contacts import ContactPorts


class Directory:
    def __init__(self, ports: ContactPorts) -> None:
        self._ports = ports

    @property
    def ports(self) -> ContactPorts:
        return self._ports

    def get(self, tenant_id: str, contact_id: str) -> Contact | None:
        if not ids.is_well_formed(contact_id, "ctc"):
            return None
        return self._ports.contacts.get(tenant_id, contact_id)

    def get_many(self, tenant_id: str, contact_ids: Sequence[str]) -> dict[str, Contact]:
        shaped = [c for c in contact_ids if ids.is_well_formed(c, "ctc")]
        return self._ports.contacts.get_many(tenant_id, shaped) if shaped else {}

    def find_by_email(self, tenant_id: str, email: str) -> Contact | None:
        address = sending.normalise(email)
        holder = self._ports.contacts.claims(tenant_id, [address]).get(address)
        return self._ports.contacts.get(tenant_id, holder) if holder else None

    def list_exists(self, tenant_id: str, list_id: str) -> bool:
        if not ids.is_well_formed(list_id, "lst"):
            return False
        return self._ports.lists.get_list(tenant_id, list_id) is not None

    def list_members(
        self, tenant_id: str, list_id: str, limit: int, token: str | None
    ) -> tuple[list[str], str | None]:
        return self._ports.lists.members(tenant_id, list_id, limit, token)

    def set_status(
        self, tenant_id: str, contact_id: str, status: str, reason: str, at: str
    ) -> bool:
        if status not in rules.STATUSES:
            raise ValueError(f"unknown contact status {status!r}")
        contact = self.get(tenant_id, contact_id)
        if contact is None or contact.status != rules.ACTIVE or status == rules.ACTIVE:
            return False
        changed = use.event(
            "updated", contact, at, changes=["status"], status=status, reason=reason
        )
        return self._ports.contacts.set_status(contact, status, reason, changed)

    def field_types(self, tenant_id: str) -> dict[str, str]:
        return use.field_types(self._ports, tenant_id)

    def upsert_many(self, tenant_id: str, drafts: Sequence[ContactDraft]) -> list[UpsertOutcome]:
        """Every draft checked first (a bad one is a 422 naming its field and nothing is
        written: check rows with ``check_draft`` to reject them one by one)."""
        needs_types = any(d.fields for d in drafts)
        types = self.field_types(tenant_id) if needs_types else {}
        checked = [checks.check_draft(d, types, from_text=True) for d in drafts]
        self._known_lists(tenant_id, checked)
        held = self._held(tenant_id, checked)
        pairs = [
            (lst, c.contact_id) for d in checked if (c := held.get(d.email)) for lst in d.lists
        ]
        joined = self._ports.lists.memberships(tenant_id, pairs) if pairs else set()
        return [self._upsert(tenant_id, draft, held, joined) for draft in checked]

    def _known_lists(self, tenant_id: str, drafts: Sequence[ContactDraft]) -> None:
        for list_id in dict.fromkeys(lst for d in drafts for lst in d.lists):
            if not self.list_exists(tenant_id, list_id):
                raise use.unknown_list(list_id)

    def _held(self, tenant_id: str, drafts: Sequence[ContactDraft]) -> dict[str, Contact]:
        claims = self._ports.contacts.claims(tenant_id, [d.email for d in drafts])
        found = self._ports.contacts.get_many(tenant_id, list(claims.values())) if claims else {}
        return {email: found[c] for email, c in claims.items() if c in found}

    def _upsert(
        self,
        tenant_id: str,
        draft: ContactDraft,
        held: dict[str, Contact],
        joined: set[tuple[str, str]],
    ) -> UpsertOutcome:
        before = held.get(draft.email)
        if before is None:
            try:
                held[draft.email] = self._create(tenant_id, draft)
            except EmailTaken:  # created meanwhile by another writer: merge into it
                held.update(self._held(tenant_id, [draft]))
                return self._upsert(tenant_id, draft, held, joined)
            joined.update((lst, held[draft.email].contact_id) for lst in draft.lists)
            return rules.UpsertOutcome(draft.email, held[draft.email].contact_id, "created")
        return self._merge(tenant_id, before, draft, held, joined)

    def _create(self, tenant_id: str, draft: ContactDraft) -> Contact:
        now = self._ports.clock.now_iso()
        contact = rules.new_contact(tenant_id, draft, now)
        made = use.event("created", contact, now, status=contact.status, lists=list(draft.lists))
        self._ports.contacts.create(contact, draft.lists, made)
        return contact

    def _merge(
        self,
        tenant_id: str,
        before: Contact,
        draft: ContactDraft,
        held: dict[str, Contact],
        joined: set[tuple[str, str]],
    ) -> UpsertOutcome:
        contact_id = before.contact_id
        new_lists = [lst for lst in draft.lists if (lst, contact_id) not in joined]
        after = rules.merged(before, draft)
        if after == before and not new_lists:
            return rules.UpsertOutcome(draft.email, contact_id, "unchanged")
        now = self._ports.clock.now_iso()
        if after != before:
            after = replace(after, updated_at=now)
            touched = rules.changed_names(before, after)
            changed = use.event("updated", after, now, changes=touched, status=after.status)
            self._ports.contacts.replace(before, after, changed)
            held[draft.email] = after
        if new_lists:
            for list_id in new_lists:
                self._ports.lists.add_members(tenant_id, list_id, [contact_id], now)
            joined.update((lst, contact_id) for lst in new_lists)
        return rules.UpsertOutcome(draft.email, contact_id, "updated")
