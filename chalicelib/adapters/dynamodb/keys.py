"""Every DynamoDB key format in one place.

Tables and their keys (all partition keys are the tenant id, which is what makes
``dynamodb:LeadingKeys`` isolation possible):

| table        | partition key | sort key                          |
|--------------|---------------|-----------------------------------|
| tenants      | tenant_id     | —                                 |
| api_keys     | tenant_id     | key_id                            |
| audit        | tenant_id     | ``<occurred_at>#<audit_id>``      |
| counters     | tenant_id     | ``month#YYYY-MM`` / ``day#YYYY-MM-DD`` |
| idempotency  | tenant_id     | ``<scope>#<id>``                  |
"""

from __future__ import annotations


def audit_sort_key(occurred_at: str, audit_id: str) -> str:
    return f"{occurred_at}#{audit_id}"


def counter_sort_key(period: str) -> str:
    return period


def idempotency_sort_key(scope: str, item_id: str) -> str:
    return f"{scope}#{item_id}"


def counter_attribute(event_type: str) -> str:
    """Counter attribute name for an event type: ``tenant.created`` → ``n_tenant_created``."""
    return "n_" + event_type.replace(".", "_")
