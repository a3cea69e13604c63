"""Mailbox items, tenant-led (``tenant_id`` + ``mbx_…``); one address per tenant (a marker
item ``email#<address>``); the sparse ``by_poll`` index (``poll_shard``, ``<tenant>#<mailbox>``)
the inbound fan-out reads instead of scanning."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from typing import TYPE_CHECKING

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PutError
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.aws.dynamodb import query_page, table_model
from chalicelib.core.errors import Conflict
from chalicelib.core.pagination import Page
from chalicelib.mailboxes.rules import POLL_SHARDS, Mailbox, ServerSettings

if TYPE_CHECKING:
    from chalicelib.core.tenancy import TenantContext


class PollIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_poll"
        projection = KeysOnlyProjection()

    poll_shard = UnicodeAttribute(hash_key=True)
    poll_key = UnicodeAttribute(range_key=True)


@table_model("MailboxesTable")
class MailboxItem(Model):
    class Meta:
        pass

    tenant_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    data = UnicodeAttribute()
    poll_shard = UnicodeAttribute(null=True)
    poll_key = UnicodeAttribute(null=True)
    by_poll = PollIndex()


def _from_item(item: MailboxItem) -> Mailbox:
    body = json.loads(item.data)
    body["smtp"] = ServerSettings(**body["smtp"])
    body["imap"] = ServerSettings(**body["imap"]) if body.get("imap") else None
    return Mailbox(tenant_id=item.tenant_id, **body)


def _to_json(mailbox: Mailbox) -> str:
    body = asdict(mailbox)
    body.pop("tenant_id")
    return json.dumps(body, separators=(",", ":"))


def poll_shard(mailbox_id: str) -> str:
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
        pairs = (str(item.poll_key).split("#", 1) for item in found)
        return [(tenant_id, mailbox_id) for tenant_id, mailbox_id in pairs]

    def get(self, ctx: TenantContext, mailbox_id: str) -> Mailbox | None:
        if not mailbox_id.startswith("mbx_"):
            return None
        try:
            return _from_item(MailboxItem.get(ctx.tenant_id, mailbox_id, consistent_read=True))
        except DoesNotExist:
            return None

    def list(self, ctx: TenantContext, limit: int, token: str | None) -> Page[Mailbox]:
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

    def find_by_email(self, ctx: TenantContext, email: str) -> str | None:
        try:
            marker = MailboxItem.get(ctx.tenant_id, f"email#{email}", consistent_read=True)
        except DoesNotExist:
            return None
        return str(marker.data)

    def count(self, ctx: TenantContext) -> int:
        return MailboxItem.count(ctx.tenant_id, MailboxItem.sk.startswith("mbx_"))

    def delete(self, ctx: TenantContext, mailbox: Mailbox) -> None:
        MailboxItem(ctx.tenant_id, mailbox.mailbox_id).delete()
        MailboxItem(ctx.tenant_id, f"email#{mailbox.email}").delete()
