"""Servers in DynamoDB: one item per server (``tenant_id`` + ``srv_…``), the record as a JSON
``data`` attribute, and a ``version`` every save checks and bumps (two writers never
overwrite each other: the later one gets ``StaleServer`` and re-reads)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PutError
from pynamodb.models import Model

from chalicelib.aws.dynamodb import query_page, table_model
from chalicelib.provisioning.records import Server
from chalicelib.provisioning.store_errors import StaleServer

if TYPE_CHECKING:
    from chalicelib.core.pagination import Page


@table_model("ServersTable")
class ServerItem(Model):
    class Meta:
        pass

    tenant_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    data = UnicodeAttribute()
    version = NumberAttribute(default=0)


def _server(item: ServerItem) -> Server:
    return Server.from_dict(item.tenant_id, item.sk, json.loads(item.data), int(item.version))


class DynamoServerRepository:
    def get(self, tenant_id: str, server_id: str) -> Server | None:
        try:
            return _server(ServerItem.get(tenant_id, server_id, consistent_read=True))
        except DoesNotExist:
            return None

    def save(self, server: Server) -> Server:
        """Write ``server`` if nobody has since its read (``version``); the saved copy."""
        item = ServerItem(
            server.tenant_id,
            server.server_id,
            data=json.dumps(server.to_dict(), separators=(",", ":")),
            version=server.version + 1,
        )
        condition = (
            ServerItem.sk.does_not_exist()
            if server.version == 0
            else ServerItem.version == server.version
        )
        try:
            item.save(condition=condition)
        except PutError as exc:
            if "ConditionalCheckFailed" in str(exc):
                raise StaleServer(server.server_id) from exc
            raise
        return _server(item)

    def list(self, tenant_id: str, limit: int, token: str | None) -> Page[Server]:
        return query_page(ServerItem, tenant_id, "sk", limit, token, _server, newest_first=True)
