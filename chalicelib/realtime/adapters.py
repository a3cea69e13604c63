"""The realtime feature's adapters to the outside: the push channel (API Gateway's Management
API through boto3; locally the platform's emulation of it at the same paths) and the other
features' answers (``Directory``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.realtime.ports import Gone

if TYPE_CHECKING:
    from collections.abc import Sequence


class ManagementApiPusher:
    """``post_to_connection`` / ``delete_connection`` on the WebSocket API's endpoint
    (``PM_WEBSOCKET_ENDPOINT``); API Gateway's GoneException is ``Gone``. With no endpoint
    (a stage whose WebSocket API is not deployed yet) every connection is gone."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def post(self, connection_id: str, payload: bytes) -> None:
        if self._client is None:
            raise Gone(connection_id)
        try:
            self._client.post_to_connection(ConnectionId=connection_id, Data=payload)
        except self._client.exceptions.GoneException as exc:
            raise Gone(connection_id) from exc

    def close(self, connection_id: str) -> None:
        if self._client is None:
            return
        try:
            self._client.delete_connection(ConnectionId=connection_id)
        except self._client.exceptions.GoneException:
            return


def management_client(endpoint: str, timeout: float) -> Any:
    """The Management API client of one WebSocket API stage (short timeouts: a push never
    holds a batch)."""
    from botocore.config import Config

    from chalicelib.aws import clients

    config = Config(connect_timeout=1, read_timeout=timeout, retries={"total_max_attempts": 2})
    return clients.session().client("apigatewaymanagementapi", endpoint_url=endpoint, config=config)


class FeatureDirectory:
    """The accounts, campaigns, sending and analytics features' answers."""

    def key_owner(self, api_key: str) -> tuple[str, str] | None:
        from chalicelib import accounts
        from chalicelib.core.errors import AppError

        try:
            ctx = accounts.authenticate("full", api_key, "websocket", "websocket")
        except AppError:
            return None
        return (ctx.tenant.tenant_id, ctx.tenant.key_id) if ctx.tenant else None

    def campaign_exists(self, tenant_id: str, campaign_id: str) -> bool:
        from chalicelib import campaigns

        return bool(campaigns.campaign_exists(tenant_id, campaign_id))

    def message_exists(self, tenant_id: str, message_id: str) -> bool:
        from chalicelib import sending

        return sending.messages().get(tenant_id, message_id) is not None

    def campaigns_of(self, tenant_id: str, message_ids: Sequence[str]) -> dict[str, str]:
        from chalicelib import sending

        facts = sending.message_facts()(tenant_id, message_ids)
        return {m: f.campaign_id for m, f in facts.items() if f.campaign_id}

    def campaign_counters(self, tenant_id: str, campaign_id: str) -> dict[str, Any] | None:
        from chalicelib import campaigns

        progress: dict[str, Any] | None = campaigns.campaign_progress(tenant_id, campaign_id)
        return progress

    def tenant_counters(self, tenant_id: str) -> dict[str, Any]:
        from chalicelib import analytics

        overview: dict[str, Any] = analytics.tenant_overview(tenant_id)
        return overview
