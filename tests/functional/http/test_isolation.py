"""Tenant B's key on tenant A's records: every route with an id answers 404 and leaves A's
records as they were, every list (with every filter) never shows A's records, a cursor
cannot cross tenants. Routes come from the route table: a new route is a new case, and a
new path parameter, body model or list filter fails here until the world provides it.
(A's ids inside B's request bodies: ``test_isolation_bodies``.)"""

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest

from chalicelib.core import wiring
from chalicelib.http.routing import ROUTES
from chalicelib.http.validation import model_named
from tests.fakes.dns import ZoneDns
from tests.fakes.probe import FakeProber
from tests.functional.http.isolation_world import (
    FILTER_VALUES,
    ID_FILTERS,
    ID_ROUTES,
    LIST_ROUTES,
    PAGING,
    QUERY_ID_ROUTES,
    World,
    a_state,
    item_ids,
    two_tenants,
)

# A valid body for every body model a route with an id takes, so a 400 from validation can
# never stand in for the tenant check.
VALID_BODIES = {
    "chalicelib.mailboxes.schemas.UpdateMailbox": {
        "status": "paused",
        "reason": "B was here",
        "daily_limit": 7,
        "display_name": "B",
    },
    "chalicelib.templates.schemas.UpdateTemplate": {"name": "b", "subject": "B", "text": "B"},
    "chalicelib.templates.schemas.PreviewTemplate": {"variables": {"name": "B"}},
    "chalicelib.contacts.schemas.UpdateContact": {"first_name": "B", "status": "bounced"},
    "chalicelib.contacts.schemas.UpdateList": {"name": "b", "description": "B was here"},
    "chalicelib.contacts.schemas.AddMembers": lambda w: {"contact_ids": [w.a_contact_id]},
    "chalicelib.campaigns.schemas.UpdateCampaign": {"name": "b"},
    "chalicelib.campaigns.schemas.Enrol": lambda w: {"contact_ids": [w.a_contact_id]},
    "chalicelib.warmup.schemas.StartWarmup": {"plan": "aggressive", "pool": False},
    "chalicelib.webhooks.schemas.UpdateWebhook": {"enabled": False, "description": "B was here"},
    "chalicelib.webhooks.schemas.StartReplay": lambda w: {
        "from": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "to": datetime.now(UTC).isoformat(),
    },
}


def _route_id(route: tuple[str, str]) -> str:
    return f"{route[1]} {route[0]}"


@pytest.fixture
def world(api) -> World:
    # verify and test run against twins, never the network, when A's own key proves the id
    wiring.override("domains.dns_lookup", ZoneDns())
    wiring.override("mailboxes.probe", FakeProber())
    return two_tenants(api)


def _valid_body(route: tuple[str, str], world: World) -> dict | None:
    """A valid body (a callable entry builds it from A's records)."""
    model = ROUTES[route].body
    if model is None:
        return None
    assert model in VALID_BODIES, f"add a valid {model} to VALID_BODIES"
    body = VALID_BODIES[model]
    body = body(world) if callable(body) else body
    model_named(model).model_validate(body)
    return body


@pytest.mark.parametrize("route", ID_ROUTES, ids=_route_id)
def test_another_tenants_id_is_404_and_their_record_is_unchanged(api, world, route):
    # given
    path, method = route
    body = _valid_body(route, world)
    before = a_state(world)
    # when
    reply = api.call(method, world.concrete(path), world.b_key, body)
    # then
    assert reply.status_code == 404, (route, reply.status_code, reply.data)
    assert reply.data["error"]["code"] == "not_found"
    assert a_state(world) == before
    # and the same request as A reaches the record: the 404 was the tenant check
    own = api.call(method, world.concrete(path), world.a_key, body)
    assert own.status_code not in (400, 404), (route, own.status_code, own.data)


@pytest.mark.parametrize("route", list(QUERY_ID_ROUTES), ids=_route_id)
def test_another_tenants_id_in_a_query_is_404(api, world, route):
    path, method = route
    concrete = world.concrete(f"{path}?{QUERY_ID_ROUTES[route]}")
    reply = api.call(method, concrete, world.b_key)
    assert reply.status_code == 404, (route, reply.status_code, reply.data)
    assert reply.data["error"]["code"] == "not_found"
    own = api.call(method, concrete, world.a_key)
    assert own.status_code == 200, (route, own.status_code, own.data)


@pytest.mark.parametrize("route", LIST_ROUTES, ids=_route_id)
def test_lists_never_show_another_tenants_records(api, world, route):
    path, _ = route
    filters = [name for name in ROUTES[route].query if name not in PAGING]
    for name in [None, *filters]:
        if name is None:
            query = ""
        else:
            assert name in FILTER_VALUES, f"add the filter {name} to FILTER_VALUES"
            query = f"?{name}={quote(world.filter_value(path, name))}"
        mine = api.call("GET", path + query, world.a_key).data
        assert mine["items"], f"A has a record for {path}{query}, so the check can fail"
        theirs = api.call("GET", path + query, world.b_key)
        if name in ID_FILTERS and theirs.status_code in (404, 422):
            assert theirs.data["error"]["details"]["field"] == name, theirs.data
            continue
        assert theirs.status_code == 200, theirs.data
        assert not item_ids(mine) & item_ids(theirs.data), (path, query)
        assert {i.get("tenant_id", world.b_tenant_id) for i in theirs.data["items"]} <= {
            world.b_tenant_id
        }


def test_the_tenant_route_answers_for_the_caller_only(api, world):
    me = api.call("GET", "/v1/tenant", world.b_key).data
    assert me["id"] == world.b_tenant_id


def test_a_cursor_cannot_cross_tenants(api, world):
    for n in range(3):
        api.call("POST", "/v1/api-keys", world.a_key, {"name": f"n{n}", "scope": "send"})
    a_page = api.call("GET", "/v1/audit?limit=1", world.a_key).data
    b_page = api.call("GET", f"/v1/audit?limit=5&next_token={a_page['next_token']}", world.b_key)
    assert b_page.status_code == 200
    assert {r["tenant_id"] for r in b_page.data["items"]} <= {world.b_tenant_id}


def test_the_state_check_sees_any_change_to_as_records(api, world):
    """The check the 404 tests lean on can fail: A's own writes to a DynamoDB item, an S3
    object and a secret each show in ``a_state``."""
    before = a_state(world)
    # a DynamoDB item
    reply = api.call("PATCH", f"/v1/templates/{world.a_template_id}", world.a_key, {"name": "x"})
    assert reply.status_code == 200, reply.data
    after_item = a_state(world)
    assert after_item != before
    # a secret (the webhook's signing secret) and then an S3 object (an upload's file)
    reply = api.call("POST", f"/v1/webhooks/{world.a_webhook_id}/rotate-secret", world.a_key)
    assert reply.status_code == 200, reply.data
    after_secret = a_state(world)
    changed = {k for k in after_secret if after_secret[k] != after_item.get(k)}
    assert any(k.startswith("secret:") for k in changed), changed
    from chalicelib.aws import clients
    from chalicelib.core.settings import settings

    clients.s3().put_object(
        Bucket=settings().bucket, Key=f"tenant/{world.a_tenant_id}/probe.txt", Body=b"x"
    )
    assert any(k.startswith("s3:") for k in set(a_state(world)) - set(after_secret))
