"""Two tenants for the isolation tests: A owns one record of every kind a tenant route can
name or list; B is a second tenant with nothing of A's. ``a_state`` is everything stored for
A (every DynamoDB item under A's tenant-led keys, every S3 object under A's prefix, every
secret named for A), read from the emulator itself, so a test can prove B's attempts changed
none of it: stricter than what A's GET routes show, and one pass over the emulator's memory
instead of fifty requests (which made these tests the functional tier's slowest)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import app  # noqa: F401 - registers every route
from chalicelib.http.routing import ROUTES
from tests.functional.worlds import stored_message

REGION = "us-east-1"
TENANT_AUTH = ("full", "send")
TENANT_ROUTES = sorted(r for r, spec in ROUTES.items() if spec.auth in TENANT_AUTH)
PAGING = ("limit", "next_token")
ID_ROUTES = [r for r in TENANT_ROUTES if "{" in r[0]]
LIST_ROUTES = [
    r for r in TENANT_ROUTES if r[1] == "GET" and r not in ID_ROUTES and "limit" in ROUTES[r].query
]
CREATE_ROUTES = [r for r in TENANT_ROUTES if r[1] == "POST" and r not in ID_ROUTES]
# GET routes that name a record in their query, not their path -> the query naming A's
QUERY_ID_ROUTES = {
    ("/v1/analytics/health", "GET"): "mailbox_id={mailbox_id}",
}

# Every path parameter a tenant route may take -> the attribute of ``World`` naming A's record.
RESOURCE_FOR_PARAM = {
    "key_id": "a_key_id",
    "domain_id": "a_domain_id",
    "mailbox_id": "a_mailbox_id",
    "template_id": "a_template_id",
    "message_id": "a_message_id",
    "address": "a_suppressed",
    "contact_id": "a_contact_id",
    "list_id": "a_list_id",
    "import_id": "a_import_id",
    "export_id": "a_export_id",
    "campaign_id": "a_campaign_id",
    "report_id": "a_report_id",
    "server_id": "a_server_id",
    "webhook_id": "a_webhook_id",
    "job_id": "a_replay_id",
}

# Every list filter -> the attribute of ``World`` holding a value that matches A's record.
FILTER_VALUES = {
    "from": "a_mailbox_email",
    "to": "a_message_to",
    "tag": "a_message_tag",
    "status": "a_message_status",
    "type": "a_inbound_type",
    "mailbox_id": "a_mailbox_id",
    "list_id": "a_list_id",
    "created_after": "a_long_ago",
    "created_before": "a_far_future",
    "kind": "a_alert_kind",
}
# A filter whose value differs by route (a contact's status is not a message's).
ROUTE_FILTER_VALUES = {
    ("/v1/contacts", "status"): "a_contact_status",
    ("/v1/alerts", "status"): "a_alert_status",
}
# Filters naming a record: another tenant's may be refused (404/422 naming the filter).
ID_FILTERS = ("list_id",)


@dataclass
class World:
    a_tenant_id: str
    a_key: str
    a_key_id: str
    a_domain_id: str
    a_domain_name: str
    a_mailbox_id: str
    a_mailbox_email: str
    a_template_id: str
    a_message_id: str
    a_message_to: str
    a_message_tag: str
    a_message_status: str
    a_suppressed: str
    a_inbound_id: str
    a_inbound_type: str
    a_contact_id: str
    a_contact_email: str
    a_list_id: str
    a_import_id: str
    a_export_id: str
    a_campaign_id: str
    a_report_id: str
    a_server_id: str
    a_alert_kind: str
    a_alert_status: str
    a_webhook_id: str
    a_replay_id: str
    b_tenant_id: str
    b_key: str
    a_contact_status: str = "active"
    a_long_ago: str = "2000-01-01T00:00:00Z"
    a_far_future: str = "2999-01-01T00:00:00Z"

    def filter_value(self, path: str, name: str) -> str:
        """A's value for list filter ``name`` of the list at ``path``."""
        return getattr(self, ROUTE_FILTER_VALUES.get((path, name)) or FILTER_VALUES[name])

    def concrete(self, path: str) -> str:
        """``path`` with every parameter replaced by A's record of that kind."""
        for param in re.findall(r"{(\w+)}", path):
            path = path.replace("{" + param + "}", getattr(self, RESOURCE_FOR_PARAM[param]))
        return path


def two_tenants(api: Any, b_tenant_id: str | None = None, b_key: str | None = None) -> World:
    """A with one record of every kind; B as given, or a new tenant."""
    a_tenant, a_key = api.new_tenant("business")
    if b_key is None:
        b_tenant, b_key = api.new_tenant("business")
        b_tenant_id = b_tenant["id"]
    extra = _created(api, "/v1/api-keys", a_key, {"name": "a-second"})
    domain = _created(api, "/v1/domains", a_key, {"name": f"{a_tenant['id'][4:]}.test"})
    mailbox = _created(
        api,
        "/v1/mailboxes",
        a_key,
        {
            "email": f"a@{domain['name']}",
            "smtp": {"host": "127.0.0.1", "port": 2525, "username": "a", "password": "p"},
        },
    )
    template = _created(
        api, "/v1/templates", a_key, {"name": "t", "subject": "Hi {{ name }}", "text": "Hello"}
    )
    _created(api, "/v1/suppressions", a_key, {"address": "gone@example.test"})
    upload = _created(api, "/v1/imports", a_key, {"upload": True, "filename": "a.csv"})
    export = api.call("POST", "/v1/tenant/export", a_key)
    assert export.status_code == 202, export.data
    message = stored_message(a_tenant["id"], mailbox, tags=("a-only",))
    inbound = _stored_inbound(a_tenant["id"], mailbox["id"], message.message_id)
    a_list = _created(api, "/v1/lists", a_key, {"name": "a-list"})
    _created(api, "/v1/contact-fields", a_key, {"name": "a_field", "type": "string"})
    contact = _created(
        api,
        "/v1/contacts",
        a_key,
        {"email": "lead@a.example.test", "tags": ["a-only"], "lists": [a_list["id"]]},
    )
    from chalicelib.core import wiring
    from tests.fakes.warmup import RecordingWorkflow

    wiring.override("warmup.workflow", RecordingWorkflow())  # no state machine in this tier
    warmup = f"/v1/mailboxes/{mailbox['id']}/warmup"
    _created(api, warmup, a_key, {"plan": "standard"})
    webhook = _created(api, "/v1/webhooks", a_key, WEBHOOK_BODY)
    replay = api.call("POST", f"/v1/webhooks/{webhook['id']}/replay", a_key, _last_hour())
    assert replay.status_code == 202, replay.data
    return World(
        a_tenant_id=a_tenant["id"],
        a_key=a_key,
        a_key_id=extra["id"],
        a_domain_id=domain["id"],
        a_domain_name=domain["name"],
        a_mailbox_id=mailbox["id"],
        a_mailbox_email=mailbox["email"],
        a_template_id=template["id"],
        a_message_id=message.message_id,
        a_message_to=message.to,
        a_message_tag=message.tags[0],
        a_message_status=message.status,
        a_suppressed="gone@example.test",
        a_inbound_id=inbound,
        a_inbound_type="reply",
        a_contact_id=contact["id"],
        a_contact_email=contact["email"],
        a_list_id=a_list["id"],
        a_import_id=upload["id"],
        a_export_id=export.data["id"],
        a_campaign_id=_created(api, "/v1/campaigns", a_key, campaign_body(mailbox["id"]))["id"],
        a_report_id=_completed_report(api, a_tenant["id"], a_key, mailbox["id"]),
        a_server_id=_created(api, "/v1/servers", a_key, server_body(a_tenant["id"]))["id"],
        a_alert_kind=_raised_alert(a_tenant["id"], mailbox["id"]),
        a_alert_status="open",
        a_webhook_id=webhook["id"],
        a_replay_id=replay.data["id"],
        b_tenant_id=str(b_tenant_id),
        b_key=b_key,
    )


WEBHOOK_BODY = {"url": "http://127.0.0.1:9/hooks/a"}  # loopback: the functional tier is local


def _last_hour() -> dict[str, str]:
    now = datetime.now(UTC)
    return {"from": (now - timedelta(hours=1)).isoformat(), "to": now.isoformat()}


ALWAYS = {"weekdays": [0, 1, 2, 3, 4, 5, 6], "start": "00:00", "end": "24:00", "time_zone": "UTC"}


def campaign_body(mailbox_id: str) -> dict:
    """A draft campaign of one email step from ``mailbox_id``."""
    return {
        "name": "a-campaign",
        "steps": [{"type": "email", "subject": "Hi", "text": "Hello"}],
        "settings": {"mailbox_ids": [mailbox_id], "window": ALWAYS},
    }


def server_body(tenant_id: str) -> dict:
    """A server for A on a domain of its own (the state machine is recorded, not run)."""
    return {
        "region": "us-east",
        "size": "small",
        "domain": f"srv-{tenant_id[4:].lower()}.test",
        "mailboxes": [{"local_part": "a"}],
    }


def _created(api: Any, path: str, key: str, body: dict) -> dict:
    reply = api.call("POST", path, key, body)
    assert reply.status_code == 201, (path, reply.data)
    return reply.data


REPORT_RANGE = {"from": "2026-01-01", "to": "2026-01-31"}


def report_body(mailbox_id: str) -> dict:
    return {"kind": "mailbox_deliverability", "filters": {**REPORT_RANGE, "mailbox_id": mailbox_id}}


def _completed_report(api: Any, tenant_id: str, key: str, mailbox_id: str) -> str:
    """A's report, run by the worker's service over a twin of the OLAP queries (its CSV
    can only be read once it completed)."""
    from chalicelib import analytics
    from chalicelib.analytics.ports import QueryResult
    from chalicelib.core import wiring
    from tests.fakes.analytics_reports import FakeQueries

    reply = api.call("POST", "/v1/analytics/reports", key, report_body(mailbox_id))
    assert reply.status_code == 202, reply.data
    rows = [[mailbox_id, 10, 1, 0, 0, 9, 0.9, 0.1, 0.0]]
    columns = ["mailbox_id", "sent", "bounced", "deferred", "complaints", "delivered"]
    answer = QueryResult([*columns, "delivery_rate", "bounce_rate", "spam_rate"], rows, 1)
    wiring.override("analytics.queries", FakeQueries(lambda sql: answer))
    assert (
        analytics.run_report(analytics.report_ports(), tenant_id, reply.data["id"]) == "completed"
    )
    return str(reply.data["id"])


def _raised_alert(tenant_id: str, mailbox_id: str) -> str:
    """A warning on A's mailbox, stored as the health monitor stores one (with its event);
    its kind."""
    from chalicelib.core import wiring
    from chalicelib.health.rules.alerts import Finding, new_alert, raised_event

    finding = Finding("bounce_rate_warning", f"mailbox:{mailbox_id}", "warning", "none", "bounces")
    alert = new_alert(tenant_id, finding, "2026-01-02", "2026-01-02T00:00:00.000Z")
    assert wiring.get("health.alerts")().raise_once(alert, raised_event(alert))
    return finding.kind


def _stored_inbound(tenant_id: str, mailbox_id: str, message_id: str) -> str:
    from chalicelib.core import ids, wiring
    from chalicelib.inbound.rules.records import InboundMessage

    inbound_id = ids.new_sortable_id("inb")
    wiring.get("inbound.store")().save(
        InboundMessage(
            tenant_id=tenant_id,
            inbound_id=inbound_id,
            mailbox_id=mailbox_id,
            received_at="2026-01-02T00:00:00.000Z",
            kind="reply",
            from_address="someone@example.test",
            subject="Re: Hi",
            message_id_header="<reply@example.test>",
            raw_key=f"tenant/{tenant_id}/inbound/{inbound_id}.eml",
            matched_message_id=message_id,
        )
    )
    return inbound_id


def a_state(world: World) -> dict[str, Any]:
    """Everything the emulator holds for A, by store: DynamoDB items (by table and key), S3
    objects (key -> ETag) and secrets (name -> current value)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends
    from moto.s3.models import s3_backends
    from moto.secretsmanager.models import secretsmanager_backends

    tenant = world.a_tenant_id
    seen: dict[str, Any] = {}
    for name, table in dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION].tables.items():
        for hash_value, stored in table.items.items():
            if tenant not in str(hash_value.value):
                continue
            items = stored.values() if table.has_range_key else [stored]
            for item in items:
                seen[f"{name}:{hash_value.value}:{item.range_key}"] = item.to_json()
    for bucket in s3_backends[DEFAULT_ACCOUNT_ID]["global"].buckets.values():
        for key in bucket.keys:
            if f"/{tenant}/" in f"/{key}":
                seen[f"s3:{bucket.name}/{key}"] = bucket.keys[key].etag
    secrets = secretsmanager_backends[DEFAULT_ACCOUNT_ID][REGION].secrets
    for secret_name, secret in list(secrets.items()):
        if tenant in secret_name:
            seen[f"secret:{secret_name}"] = secret.versions.get(secret.default_version_id)
    assert seen, "A's records are stored"
    return seen


def item_ids(page: dict) -> set[str]:
    return {item.get("id") or item.get("address") or item["name"] for item in page["items"]}
