"""Tenant A's ids and names inside tenant B's request bodies: a foreign mailbox, address,
domain or template is refused (404, 409 or 422) and nothing is created, while the same body
naming B's own record is accepted; a create reusing A's names makes B's record and leaves
A's alone. Every create route of the route table must have its cases here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.functional.http.isolation_world import (
    CREATE_ROUTES,
    ID_ROUTES,
    LIST_ROUTES,
    QUERY_ID_ROUTES,
    TENANT_ROUTES,
    WEBHOOK_BODY,
    World,
    a_state,
    campaign_body,
    item_ids,
    report_body,
    server_body,
    two_tenants,
)
from tests.functional.worlds import Sending, sending_world

SMTP = {"host": "127.0.0.1", "port": 2525, "username": "b", "password": "p"}


@dataclass(frozen=True)
class Refused:
    """B's body naming A's record (``foreign``) against the same body naming B's own."""

    route: str
    field: str  # the field the refusal names
    what: str  # what of A's the body names
    foreign: Callable[[World, Sending], dict]
    own: Callable[[World, Sending], dict]
    listed_at: str = "/v1/messages"  # the list that must not grow

    @property
    def name(self) -> str:
        return f"{self.route} {self.field}: A's {self.what}"


def _message(sender: str, **extra: Any) -> dict:
    return {"from": sender, "to": "lead@example.test", "subject": "Hi", "text": "Hello", **extra}


def _batch(sender: str, **extra: Any) -> dict:
    fields = {"from": sender, "subject": "Hi", "text": "Hello", **extra}
    return {**fields, "recipients": [{"to": "lead@example.test"}, {"to": "two@example.test"}]}


def _templated(shape: Callable[..., dict], template: str, b: Sending) -> dict:
    """Subject and text from the template, which needs the variable ``name``."""
    body = shape(b.mailbox["id"], template_id=template)
    body.pop("subject"), body.pop("text")
    for recipient in body.get("recipients", [body]):
        recipient["variables"] = {"name": "x"}
    return body


def _domain_of(b: Sending) -> str:
    return b.mailbox["email"].rpartition("@")[2]


SENDERS = {
    "mailbox id": (lambda w: w.a_mailbox_id, lambda b: b.mailbox["id"]),
    "mailbox address": (lambda w: w.a_mailbox_email, lambda b: b.mailbox["email"]),
    "address on its domain": (
        lambda w: f"anyone@{w.a_domain_name}",
        lambda b: f"anyone@{_domain_of(b)}",
    ),
}
SENDS = (("/v1/messages", _message), ("/v1/messages/batch", _batch))
REFUSED = (
    [
        Refused(
            route,
            "from",
            label,
            lambda w, b, foreign=foreign, shape=shape: shape(foreign(w)),
            lambda w, b, own=own, shape=shape: shape(own(b)),
        )
        for route, shape in SENDS
        for label, (foreign, own) in SENDERS.items()
    ]
    + [
        Refused(
            route,
            "template_id",
            "template",
            lambda w, b, shape=shape: _templated(shape, w.a_template_id, b),
            lambda w, b, shape=shape: _templated(shape, b.template_id, b),
        )
        for route, shape in SENDS
    ]
    + [
        Refused(
            "/v1/mailboxes",
            "email",
            "domain",
            lambda w, b: {"email": f"b@{w.a_domain_name}", "smtp": SMTP},
            lambda w, b: {"email": f"b2@{_domain_of(b)}", "smtp": SMTP},
            "/v1/mailboxes",
        ),
        Refused(
            "/v1/domains",
            "name",
            "domain name",
            lambda w, b: {"name": w.a_domain_name},
            lambda w, b: {"name": f"own-{w.b_tenant_id[4:].lower()}.test"},
            "/v1/domains",
        ),
        Refused(
            "/v1/servers",
            "domain",
            "server's domain",
            lambda w, b: server_body(w.a_tenant_id),
            lambda w, b: server_body(w.b_tenant_id),
            "/v1/servers",
        ),
        Refused(
            "/v1/contacts",
            "lists",
            "list",
            lambda w, b: {"email": "new@b.example.test", "lists": [w.a_list_id]},
            lambda w, b: {"email": "new@b.example.test", "lists": [b.list_id]},
            "/v1/contacts",
        ),
        Refused(
            "/v1/campaigns",
            "settings.mailbox_ids[0]",
            "mailbox",
            lambda w, b: campaign_body(w.a_mailbox_id),
            lambda w, b: campaign_body(b.mailbox["id"]),
            "/v1/campaigns",
        ),
        Refused(
            "/v1/analytics/reports",
            "filters.mailbox_id",
            "mailbox",
            lambda w, b: report_body(w.a_mailbox_id),
            lambda w, b: report_body(b.mailbox["id"]),
            "/v1/analytics/reports",
        ),
    ]
)

# Creates whose body can name nothing of A's: B reuses A's names, and gets its own record.
SHARED_NAMES = {
    "/v1/api-keys": {"name": "a-second"},
    "/v1/templates": {"name": "t", "subject": "Hi {{ name }}", "text": "Hello"},
    "/v1/suppressions": {"address": "gone@example.test"},
    "/v1/contacts": {"email": "lead@a.example.test", "tags": ["a-only"]},
    "/v1/lists": {"name": "a-list"},
    "/v1/contact-fields": {"name": "a_field", "type": "string"},
    "/v1/imports": {"upload": True, "filename": "a.csv"},
    "/v1/webhooks": WEBHOOK_BODY,
}
# Creates that take no body at all: what they make is the caller's, read at its own route.
NO_BODY = {"/v1/tenant/export": "/v1/tenant/exports/{}"}
# Creates with no body and nothing to read back: a realtime ticket is bound to the caller's
# tenant, and only takes effect on the WebSocket (tests/functional/realtime, tests/unit/realtime).
OWN_TENANT_CREATES = {"/v1/realtime/tickets"}


@pytest.fixture
def worlds(api) -> tuple[World, Sending]:
    b = sending_world(api)
    template = api.call(
        "POST", "/v1/templates", b.key, {"name": "bt", "subject": "Hi {{ name }}", "text": "Yo"}
    )
    b.template_id = template.data["id"]
    b.list_id = api.call("POST", "/v1/lists", b.key, {"name": "bl"}).data["id"]
    return two_tenants(api, b.tenant_id, b.key), b


# Routes that answer about the caller's own tenant as a whole (no id, no list): their
# isolation is tested where they are (the analytics ones in tests/functional/analytics).
OWN_TENANT_VIEWS = {
    ("/v1/tenant", "GET"),
    ("/v1/analytics/overview", "GET"),
    ("/v1/analytics/timeseries", "GET"),
    ("/v1/analytics/deliverability", "GET"),
    ("/v1/analytics/heatmap", "GET"),
}


def test_every_tenant_route_is_exercised_by_an_isolation_test():
    creates = {r.route for r in REFUSED} | set(SHARED_NAMES) | set(NO_BODY) | OWN_TENANT_CREATES
    assert {path for path, _ in CREATE_ROUTES} == creates
    covered = set(ID_ROUTES) | set(LIST_ROUTES) | set(CREATE_ROUTES) | set(QUERY_ID_ROUTES)
    covered |= OWN_TENANT_VIEWS
    assert set(TENANT_ROUTES) == covered


@pytest.mark.parametrize("case", REFUSED, ids=lambda c: c.name)
def test_a_foreign_record_in_a_body_is_refused_and_creates_nothing(api, worlds, case):
    # given
    world, b = worlds
    before, listed = a_state(world), _listed(api, b, case.listed_at)
    # when
    reply = api.call("POST", case.route, b.key, case.foreign(world, b))
    # then
    assert reply.status_code in (404, 409, 422), (case.name, reply.status_code, reply.data)
    assert reply.data["error"]["details"]["field"] == case.field, reply.data
    assert _listed(api, b, case.listed_at) == listed
    assert a_state(world) == before
    # and the same body naming B's own record is accepted
    own = api.call("POST", case.route, b.key, case.own(world, b))
    assert own.status_code in (201, 202), (case.name, own.status_code, own.data)
    assert _listed(api, b, case.listed_at) != listed


@pytest.mark.parametrize("path", sorted(SHARED_NAMES))
def test_a_create_reusing_another_tenants_names_touches_only_the_caller(api, worlds, path):
    world, b = worlds
    before, listed = a_state(world), _listed(api, b, path)
    reply = api.call("POST", path, b.key, SHARED_NAMES[path])
    assert reply.status_code == 201, reply.data
    assert a_state(world) == before
    assert _listed(api, b, path) == listed | item_ids({"items": [reply.data]})


@pytest.mark.parametrize("path", sorted(NO_BODY))
def test_a_create_without_a_body_makes_the_callers_record_only(api, worlds, path):
    world, b = worlds
    before = a_state(world)
    reply = api.call("POST", path, b.key)
    assert reply.status_code == 202, reply.data
    assert a_state(world) == before
    made = NO_BODY[path].format(reply.data["id"])
    assert api.call("GET", made, b.key).status_code == 200
    assert api.call("GET", made, world.a_key).status_code == 404


def test_removing_a_suppression_both_tenants_hold_removes_only_the_callers(api, worlds):
    world, b = worlds
    api.call("POST", "/v1/suppressions", b.key, {"address": world.a_suppressed})
    before = a_state(world)
    reply = api.call("DELETE", f"/v1/suppressions/{world.a_suppressed}", b.key)
    assert reply.status_code == 200, reply.data
    assert a_state(world) == before
    assert api.call("GET", f"/v1/suppressions/{world.a_suppressed}", b.key).status_code == 404


def _listed(api, b: Sending, path: str) -> set[str]:
    """B's records on that list, read through the API and, for messages, the store too."""
    from chalicelib.core import wiring

    seen = item_ids(api.call("GET", path, b.key).data)
    if path == "/v1/messages":
        stored = wiring.get("sending.messages")().list(b.tenant_id, 100, None, {})
        assert {m.message_id for m in stored.items} == seen
    return seen
