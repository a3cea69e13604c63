"""PynamoDB models. Table names and endpoint come from settings when this module loads,
which only happens on first use (see ``deps.py``), never at cold start."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.settings import settings

_S = settings()


class _Meta:
    region = _S.region
    host = _S.endpoint_url
    connect_timeout_seconds = 3
    read_timeout_seconds = 5
    max_retry_attempts = 2


class TenantItem(Model):
    class Meta(_Meta):
        table_name = _S.tenants_table

    tenant_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    plan = UnicodeAttribute()
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    contact_email = UnicodeAttribute(null=True)
    postal_address = UnicodeAttribute(null=True)


class ApiKeyItem(Model):
    class Meta(_Meta):
        table_name = _S.api_keys_table

    tenant_id = UnicodeAttribute(hash_key=True)
    key_id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    scope = UnicodeAttribute()
    key_hash = UnicodeAttribute()
    prefix = UnicodeAttribute()
    created_at = UnicodeAttribute()
    revoked_at = UnicodeAttribute(null=True)


class AuditItem(Model):
    class Meta(_Meta):
        table_name = _S.audit_table

    tenant_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    audit_id = UnicodeAttribute()
    occurred_at = UnicodeAttribute()
    action = UnicodeAttribute()
    actor = UnicodeAttribute()
    resource_id = UnicodeAttribute(null=True)
    request_id = UnicodeAttribute()
    source_ip = UnicodeAttribute()
    expires_at = NumberAttribute(null=True)


class IdempotencyItem(Model):
    class Meta(_Meta):
        table_name = _S.idempotency_table

    tenant_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    status = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    expires_at = NumberAttribute(null=True)


class CheckDueIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_check_due"
        projection = KeysOnlyProjection()

    check_shard = UnicodeAttribute(hash_key=True)
    next_check_at = UnicodeAttribute(range_key=True)


class DomainItem(Model):
    class Meta(_Meta):
        table_name = _S.domains_table

    tenant_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    data = UnicodeAttribute()
    check_shard = UnicodeAttribute(null=True)
    next_check_at = UnicodeAttribute(null=True)
    by_check_due = CheckDueIndex()


class DomainClaimItem(Model):
    class Meta(_Meta):
        table_name = _S.domain_claims_table

    domain = UnicodeAttribute(hash_key=True)
    tenant_id = UnicodeAttribute()
    domain_id = UnicodeAttribute()


class PollIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_poll"
        projection = KeysOnlyProjection()

    poll_shard = UnicodeAttribute(hash_key=True)
    poll_key = UnicodeAttribute(range_key=True)


class MailboxItem(Model):
    class Meta(_Meta):
        table_name = _S.mailboxes_table

    tenant_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    data = UnicodeAttribute()
    poll_shard = UnicodeAttribute(null=True)
    poll_key = UnicodeAttribute(null=True)
    by_poll = PollIndex()


class TemplateItem(Model):
    class Meta(_Meta):
        table_name = _S.templates_table

    tenant_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    data = UnicodeAttribute()


def bind_client(client: Any) -> None:
    """Make every model use ``client`` instead of building a botocore client of its own
    (each PynamoDB model otherwise loads the SDK's data again on a cold start)."""
    for model in (
        TenantItem,
        ApiKeyItem,
        AuditItem,
        IdempotencyItem,
        DomainItem,
        DomainClaimItem,
        MailboxItem,
    ):
        model._get_connection().connection._client = client
