"""Every environment variable the application reads, read once and typed.

A required value that is missing fails loudly with the variable's name. Nothing here
imports an SDK, so reading settings is cheap on a cold start.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache


class SettingsError(RuntimeError):
    """A required environment variable is missing or malformed."""


def _required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise SettingsError(f"environment variable {name} is required")
    return value


def _optional(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def _int(name: str, default: int) -> int:
    raw = _optional(name, str(default))
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"environment variable {name} must be an integer, got {raw!r}") from exc


@dataclass(frozen=True)
class Settings:
    stage: str
    region: str
    endpoint_url: str | None
    tenants_table: str
    api_keys_table: str
    audit_table: str
    counters_table: str
    idempotency_table: str
    events_stream: str
    notifications_queue_url: str
    notifications_dlq_url: str
    bucket: str
    admin_key_secret: str
    notify_smtp_host: str
    notify_smtp_port: int
    notify_smtp_security: str
    notify_smtp_username: str
    notify_smtp_secret: str
    notify_from: str
    dns_nameserver: str
    dns_port: int
    max_body_bytes: int
    secrets_max_age: int
    service: str
    domains_table: str
    domain_claims_table: str
    mailboxes_table: str
    templates_table: str
    tracking_host: str
    dmarc_rua: str
    dns_timeout: float
    secrets_prefix: str
    messages_table: str
    suppressions_table: str
    send_priority_queue_url: str
    send_bulk_queue_url: str
    send_priority_dlq_url: str
    send_bulk_dlq_url: str
    tracking_keys_secret: str
    tracking_base_url: str
    retry_scale: float
    send_lease_seconds: int
    smtp_connections_per_mailbox: int
    smtp_timeout: float
    verify_smtp_tls: bool
    inbound_table: str
    inbound_queue_url: str
    local_inbox_url: str

    @property
    def is_local(self) -> bool:
        return self.stage == "local"


def _table(name: str, stage: str, suffix: str) -> str:
    """Tables added after the first release default to the template's naming scheme."""
    return _optional(name, f"penguinmails-{stage}-{suffix}")


def load_settings() -> Settings:
    """Read the environment now; callers normally use the cached ``settings()``."""
    stage = _required("PM_STAGE")
    return Settings(
        stage=stage,
        region=_optional("AWS_REGION", _optional("AWS_DEFAULT_REGION", "us-east-1")),
        endpoint_url=_optional("AWS_ENDPOINT_URL") or None,
        tenants_table=_required("PM_TENANTS_TABLE"),
        api_keys_table=_required("PM_API_KEYS_TABLE"),
        audit_table=_required("PM_AUDIT_TABLE"),
        counters_table=_required("PM_COUNTERS_TABLE"),
        idempotency_table=_required("PM_IDEMPOTENCY_TABLE"),
        events_stream=_required("PM_EVENTS_STREAM"),
        notifications_queue_url=_required("PM_NOTIFICATIONS_QUEUE_URL"),
        notifications_dlq_url=_optional("PM_NOTIFICATIONS_DLQ_URL"),
        bucket=_required("PM_BUCKET"),
        admin_key_secret=_required("PM_ADMIN_KEY_SECRET"),
        notify_smtp_host=_optional("PM_NOTIFY_SMTP_HOST", "127.0.0.1"),
        notify_smtp_port=_int("PM_NOTIFY_SMTP_PORT", 587),
        notify_smtp_security=_optional("PM_NOTIFY_SMTP_SECURITY", "starttls"),
        notify_smtp_username=_optional("PM_NOTIFY_SMTP_USERNAME"),
        notify_smtp_secret=_optional("PM_NOTIFY_SMTP_SECRET"),
        notify_from=_optional("PM_NOTIFY_FROM", "PenguinMails <notifications@penguinmails.local>"),
        dns_nameserver=_optional("PM_DNS_NAMESERVER"),
        dns_port=_int("PM_DNS_PORT", 53),
        max_body_bytes=_int("PM_MAX_BODY_BYTES", 256 * 1024),
        secrets_max_age=_int("PM_SECRETS_MAX_AGE", 300),
        service=_optional("POWERTOOLS_SERVICE_NAME", "penguinmails"),
        domains_table=_table("PM_DOMAINS_TABLE", stage, "domains"),
        domain_claims_table=_table("PM_DOMAIN_CLAIMS_TABLE", stage, "domain-claims"),
        mailboxes_table=_table("PM_MAILBOXES_TABLE", stage, "mailboxes"),
        templates_table=_table("PM_TEMPLATES_TABLE", stage, "templates"),
        tracking_host=_optional("PM_TRACKING_HOST", "track.penguinmails.local"),
        dmarc_rua=_optional("PM_DMARC_RUA", "dmarc-reports@penguinmails.local"),
        dns_timeout=float(_optional("PM_DNS_TIMEOUT", "3")),
        secrets_prefix=_optional("PM_SECRETS_PREFIX", f"penguinmails/{stage}"),
        messages_table=_table("PM_MESSAGES_TABLE", stage, "messages"),
        suppressions_table=_table("PM_SUPPRESSIONS_TABLE", stage, "suppressions"),
        send_priority_queue_url=_optional("PM_SEND_PRIORITY_QUEUE_URL"),
        send_bulk_queue_url=_optional("PM_SEND_BULK_QUEUE_URL"),
        send_priority_dlq_url=_optional("PM_SEND_PRIORITY_DLQ_URL"),
        send_bulk_dlq_url=_optional("PM_SEND_BULK_DLQ_URL"),
        tracking_keys_secret=_optional(
            "PM_TRACKING_KEYS_SECRET", f"penguinmails/{stage}/tracking-keys"
        ),
        tracking_base_url=_optional("PM_TRACKING_BASE_URL"),
        retry_scale=float(_optional("PM_RETRY_SCALE", "1")),
        send_lease_seconds=_int("PM_SEND_LEASE_SECONDS", 150),
        smtp_connections_per_mailbox=_int("PM_SMTP_CONNECTIONS_PER_MAILBOX", 2),
        smtp_timeout=float(_optional("PM_SMTP_TIMEOUT", "20")),
        verify_smtp_tls=_optional("PM_VERIFY_SMTP_TLS", "true").lower() != "false",
        inbound_table=_table("PM_INBOUND_TABLE", stage, "inbound"),
        inbound_queue_url=_optional("PM_INBOUND_QUEUE_URL"),
        local_inbox_url=_optional("PM_LOCAL_INBOX_URL"),
    )


@lru_cache(maxsize=1)
def settings() -> Settings:
    """The process-wide settings, read on first use."""
    return load_settings()


def reset_settings() -> None:
    """Forget cached settings (tests and the local platform change the environment)."""
    settings.cache_clear()
