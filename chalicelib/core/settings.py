"""Every setting the application reads, read once from the environment and typed.

Which variable fills which field, and its default, is ``resources.SOURCES`` (the one mapping
the deploy, the local platform and the tests use too); a table's name comes from the
variable its name gives (``settings().table("MessagesTable")``, see ``resources``). A
required value that is missing fails loudly with the variable's name. Nothing here imports
an SDK, so reading settings is cheap on a cold start.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from chalicelib.core.resources import SOURCES, QueueRef, Source, queues, table_default, table_env
from chalicelib.core.wiring import on_reset

if TYPE_CHECKING:
    from collections.abc import Mapping


class SettingsError(RuntimeError):
    """A required environment variable is missing or malformed."""


@dataclass(frozen=True)
class Settings:
    stage: str
    region: str
    endpoint_url: str | None
    service: str
    events_stream: str
    bucket: str
    notifications_queue_url: str
    notifications_dlq_url: str
    inbound_queue_url: str
    send_priority_queue_url: str
    send_bulk_queue_url: str
    send_priority_dlq_url: str
    send_bulk_dlq_url: str
    inbound_dlq_url: str
    contact_imports_queue_url: str
    contact_imports_dlq_url: str
    analytics_reports_queue_url: str
    analytics_reports_dlq_url: str
    webhook_deliveries_queue_url: str
    webhook_deliveries_dlq_url: str
    webhook_replays_queue_url: str
    webhook_replays_dlq_url: str
    admin_key_secret: str
    notify_smtp_secret: str
    tracking_keys_secret: str
    analytics_database: str
    analytics_workgroup: str
    analytics_delivery_stream: str
    notify_smtp_host: str
    notify_smtp_port: int
    notify_smtp_username: str
    notify_smtp_security: str
    notify_from: str
    dns_nameserver: str
    dns_port: int
    dns_timeout: float
    dnsbl_zones: str  # the DNSBL zones the health monitor queries, comma-separated
    api_rate_scale: float  # multiplies the plans' API rate limits (tests, load runs)
    max_body_bytes: int
    secrets_max_age: int
    secrets_prefix: str
    tracking_host: str
    tracking_base_url: str
    dmarc_rua: str
    retry_scale: float
    send_lease_seconds: int
    smtp_connections_per_mailbox: int
    smtp_timeout: float
    verify_smtp_tls: bool
    local_inbox_url: str
    webhook_rate_per_second: int  # deliveries per webhook endpoint per second
    hostwinds_key_secret: str
    cloudflare_token_secret: str
    hostwinds_api_url: str
    cloudflare_api_url: str
    mail_admin_scheme: str
    acme_directory_url: str
    acme_ca_bundle: str | None
    acme_contact: str
    tls_trust_bundle: str | None
    provision_state_machine_arn: str
    decommission_state_machine_arn: str
    warmup_state_machine_arn: str
    warmup_day_seconds: int  # one warm-up day (86400 deployed; the local platform's shorter)
    warmup_settle_seconds: int  # longest wait past a day's end for its mail (0: a quarter day)
    websocket_endpoint: str  # API Gateway's Management API for the WebSocket API (the pushes)
    websocket_url: str  # what clients open (wss:// deployed; the local WebSocket server)
    websocket_push_timeout: float  # seconds a push waits for the Management API
    tables: Mapping[str, str] = field(default_factory=dict)  # PM_*_TABLE variables, as read

    def table(self, name: str) -> str:
        """The name of table ``name`` (its logical id in the template: ``MessagesTable``)."""
        return self.tables.get(table_env(name)) or table_default(name).format(stage=self.stage)

    def queue_urls(self) -> dict[QueueRef, str]:
        """Every queue of the template whose URL this process was given, by its reference."""
        found = {ref: getattr(self, ref.setting) for ref in queues().values()}
        return {ref: url for ref, url in found.items() if url}

    @property
    def is_local(self) -> bool:
        return self.stage == "local"

    def __repr__(self) -> str:
        return f"Settings(stage={self.stage!r}, region={self.region!r})"


def _raw(name: str, source: Source, stage: str) -> str:
    value = os.environ.get(source.env, "").strip()
    if value:
        return value
    if source.default is None:
        raise SettingsError(f"environment variable {source.env} is required")
    region = os.environ.get("AWS_DEFAULT_REGION", "").strip() or "us-east-1"
    return source.default.format(stage=stage, default_region=region)


def _parsed(source: Source, raw: str) -> Any:
    try:
        if source.parse == "int":
            return int(raw)
        if source.parse == "float":
            return float(raw)
    except ValueError as exc:
        kind = "an integer" if source.parse == "int" else "a number"
        raise SettingsError(
            f"environment variable {source.env} must be {kind}, got {raw!r}"
        ) from exc
    if source.parse == "bool":
        return raw.lower() != "false"
    if source.parse == "optional":
        return raw or None
    return raw


def load_settings() -> Settings:
    """Read the environment now; callers normally use the cached ``settings()``."""
    stage = _raw("stage", SOURCES["stage"], "")
    values: dict[str, Any] = {
        f.name: _parsed(SOURCES[f.name], _raw(f.name, SOURCES[f.name], stage))
        for f in fields(Settings)
        if f.name != "tables"
    }
    tables = {
        env: value.strip()
        for env, value in os.environ.items()
        if env.startswith("PM_") and env.endswith("_TABLE") and value.strip()
    }
    return Settings(**values, tables=tables)


@lru_cache(maxsize=1)
def settings() -> Settings:
    """The process-wide settings, read on first use."""
    return load_settings()


def reset_settings() -> None:
    """Forget cached settings (tests and the local platform change the environment)."""
    settings.cache_clear()


on_reset(reset_settings)
