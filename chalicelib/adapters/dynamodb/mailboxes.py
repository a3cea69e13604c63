"""Mailbox items, tenant-led; one address per tenant (a marker item ``email#<address>``)."""

from __future__ import annotations

import json
from dataclasses import asdict

from pynamodb.exceptions import DoesNotExist, PutError

from chalicelib.adapters.dynamodb.models import MailboxItem
from chalicelib.adapters.dynamodb.paging import query_page
from chalicelib.domain.mailboxes import Mailbox, ServerSettings
from chalicelib.domain.pagination import Page
from chalicelib.domain.tenants import TenantContext
from chalicelib.errors import Conflict


def _from_item(item: MailboxItem) -> Mailbox:
    body = json.loads(item.data)
    body["smtp"] = ServerSettings(**body["smtp"])
    body["imap"] = ServerSettings(**body["imap"]) if body.get("imap") else None
    return Mailbox(tenant_id=item.tenant_id, **body)


def _to_json(mailbox: Mailbox) -> str:
    body = asdict(mailbox)
    body.pop("tenant_id")
    return json.dumps(body, separators=(",", ":"))


POLL_SHARDS = 8


def poll_shard(mailbox_id: str) -> str:
    import hashlib

    return f"p{int(hashlib.sha256(mailbox_id.encode()).hexdigest()[:8], 16) % POLL_SHARDS}"


class DynamoMailboxRepository:
    def create(self, ctx: TenantContext, mailbox: Mailbox) -> None:
        marker = MailboxItem(ctx.tenant_id, f"email#{mailbox.email}", data=mailbox.mailbox_id)
        try:
            marker.save(condition=MailboxItem.sk.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
            raise Conflict(
                f"a mailbox for {mailbox.email} already exists", {"field": "email"}
            ) from exc
        self.save(ctx, mailbox)

    def save(self, ctx: TenantContext, mailbox: Mailbox) -> None:
        assert mailbox.tenant_id == ctx.tenant_id
        MailboxItem(
            ctx.tenant_id,
            mailbox.mailbox_id,
            data=_to_json(mailbox),
            poll_shard=poll_shard(mailbox.mailbox_id),
            poll_key=f"{ctx.tenant_id}#{mailbox.mailbox_id}",
        ).save()

    def to_poll(self, shard: str) -> list[tuple[str, str]]:
        """(tenant id, mailbox id) of every mailbox in one poll shard: the inbound fan-out
        reads the sparse ``by_poll`` index, never the table."""
        found = MailboxItem.by_poll.query(shard)
        return [tuple(item.poll_key.split("#", 1)) for item in found]  # type: ignore[misc]

    def get(self, ctx: TenantContext, mailbox_id: str) -> Mailbox | None:
        if not mailbox_id.startswith("mbx_"):
            return None
        try:
            return _from_item(MailboxItem.get(ctx.tenant_id, mailbox_id, consistent_read=True))
        except DoesNotExist:
            return None

    def list(self, ctx: TenantContext, limit: int, token: str | None) -> Page:
        page = query_page(
            MailboxItem,
            ctx.tenant_id,
            "sk",
            limit,
            token,
            lambda i: i,
            newest_first=False,
            prefix="mbx_",
        )
        return Page([_from_item(i) for i in page.items], page.next_token)

    def count(self, ctx: TenantContext) -> int:
        return MailboxItem.count(ctx.tenant_id, MailboxItem.sk.startswith("mbx_"))

    def delete(self, ctx: TenantContext, mailbox: Mailbox) -> None:
        MailboxItem(ctx.tenant_id, mailbox.mailbox_id).delete()
        MailboxItem(ctx.tenant_id, f"email#{mailbox.email}").delete()
