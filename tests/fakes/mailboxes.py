"""In-memory twins of the mailboxes ports: the ``MailboxStore`` (one address per tenant, the
poll shards of ``chalicelib.mailboxes.store``) and the live ``Prober`` (answers from a
password: the right one passes, any other fails at ``auth``)."""

from __future__ import annotations

from typing import Any

from chalicelib.core.errors import Conflict
from chalicelib.core.pagination import Page
from chalicelib.core.tenancy import TenantContext
from chalicelib.mailboxes.ports import TenantItemIds
from chalicelib.mailboxes.rules import Mailbox, ServerSettings
from chalicelib.mailboxes.store import poll_shard
from tests.fakes.core import sorted_page


class FakeMailboxes:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], Mailbox] = {}
        self.addresses: dict[tuple[str, str], str] = {}  # (tenant id, email) → mailbox id

    def create(self, ctx: TenantContext, mailbox: Mailbox) -> None:
        """Store a new mailbox; Conflict when the tenant has one for the address."""
        if (ctx.tenant_id, mailbox.email) in self.addresses:
            raise Conflict(f"a mailbox for {mailbox.email} already exists", {"field": "email"})
        self.addresses[(ctx.tenant_id, mailbox.email)] = mailbox.mailbox_id
        self.save(ctx, mailbox)

    def save(self, ctx: TenantContext, mailbox: Mailbox) -> None:
        assert mailbox.tenant_id == ctx.tenant_id
        self.items[(ctx.tenant_id, mailbox.mailbox_id)] = mailbox

    def get(self, ctx: TenantContext, mailbox_id: str) -> Mailbox | None:
        return self.items.get((ctx.tenant_id, mailbox_id))

    def _mine(self, ctx: TenantContext) -> list[Mailbox]:
        return [m for (t, _), m in self.items.items() if t == ctx.tenant_id]

    def list(self, ctx: TenantContext, limit: int, token: str | None) -> Page[Mailbox]:
        return sorted_page(self._mine(ctx), lambda m: m.mailbox_id, "sk", limit, token)

    def count(self, ctx: TenantContext) -> int:
        return len(self._mine(ctx))

    def find_by_email(self, ctx: TenantContext, email: str) -> str | None:
        return self.addresses.get((ctx.tenant_id, email))

    def delete(self, ctx: TenantContext, mailbox: Mailbox) -> None:
        """Forget the mailbox and free its address."""
        self.items.pop((ctx.tenant_id, mailbox.mailbox_id), None)
        self.addresses.pop((ctx.tenant_id, mailbox.email), None)

    def to_poll(self, shard: str) -> TenantItemIds:
        """(tenant id, mailbox id) of every mailbox in ``shard``, in ``<tenant>#<mailbox>``
        order (the ``by_poll`` index's sort key)."""
        pairs = [(t, m) for (t, m) in self.items if poll_shard(m) == shard]
        return sorted(pairs, key=lambda p: f"{p[0]}#{p[1]}")


class FakeProber:
    """Answers every step but ``auth``/``imap_login`` with success; those pass only with
    ``good_password``. ``calls`` records (host, protocol) in order."""

    def __init__(self, good_password: str = "right") -> None:
        self.good_password = good_password
        self.calls: list[tuple[str, str]] = []

    def smtp(self, server: ServerSettings, password: str) -> list[dict[str, Any]]:
        self.calls.append((server.host, "smtp"))
        steps = [
            {"name": n, "ok": True, "detail": "250", "ms": 1.0}
            for n in ("connect", "ehlo", "starttls")
        ]
        ok = password == self.good_password
        steps.append({"name": "auth", "ok": ok, "detail": "235" if ok else "535 5.7.8", "ms": 1.0})
        return steps

    def imap(self, server: ServerSettings, password: str) -> list[dict[str, Any]]:
        self.calls.append((server.host, "imap"))
        return [
            {"name": "imap_login", "ok": password == self.good_password, "detail": "", "ms": 1.0}
        ]
