"""The analytics routes over moto, after the event consumer counted a small campaign's
events: overview, time series, the campaign per step and variant, deliverability and the
heatmap (every reply checked against its model by ``Api.call``); bad input is a 400/422
naming the field, another tenant's ids are 404, and a dashboard view costs few requests."""

from __future__ import annotations

import pytest

from chalicelib.core.events import new_event
from chalicelib.sending.rules.messages import CampaignLink
from tests.fakes.analytics import FakeProviders
from tests.functional.functions.test_functions import Context
from tests.functional.http.isolation_world import two_tenants
from tests.functional.outbox import kinesis_batch
from tests.functional.worlds import stored_message

DAY = "2026-11-28"
RANGE = f"from={DAY}&to={DAY}"


@pytest.fixture
def world(api, aws):
    """Tenant A with a campaign whose two messages (variants A and B) were sent; one opened
    twice by a person and once by a machine, one bounced."""
    from chalicelib.core import wiring
    from functions import event_consumer

    wiring.override("analytics.providers", FakeProviders())
    world = two_tenants(api)
    mailbox = {"id": world.a_mailbox_id, "domain_id": world.a_domain_id, "email": "a@x.test"}
    events = []
    for n, variant in enumerate(("A", "B")):
        link = CampaignLink(world.a_campaign_id, f"enr_{n}", f"con_{n}", 1, variant)
        message = stored_message(world.a_tenant_id, mailbox, to=f"p{n}@gmail.com", campaign=link)
        fields = {"message_id": message.message_id, **link.event_fields()}
        sent = {"mailbox_id": mailbox["id"], "to": message.to, "attempt": 1, "smtp_code": 250}
        events.append(
            new_event("message.sent", world.a_tenant_id, f"{DAY}T09:00:00.000Z", **fields, **sent)
        )
        if n == 1:
            events.append(
                new_event(
                    "message.bounced",
                    world.a_tenant_id,
                    f"{DAY}T09:01:00.000Z",
                    **fields,
                    mailbox_id=mailbox["id"],
                    to=message.to,
                )
            )
            continue
        for minute, actor in ((1, "human"), (2, "machine"), (3, "human")):
            events.append(
                new_event(
                    "message.opened",
                    world.a_tenant_id,
                    f"{DAY}T14:{minute:02d}:00.000Z",
                    message_id=message.message_id,
                    actor=actor,
                    reason="r",
                    user_agent="ua",
                    ip="192.0.2.1",
                    method="GET",
                )
            )
    assert event_consumer.handler(kinesis_batch(events), Context()) == {"batchItemFailures": []}
    return world


def test_overview_and_campaign_match_the_events(api, world):
    overview = api.call("GET", f"/v1/analytics/overview?{RANGE}", world.a_key)
    assert overview.status_code == 200, overview.data
    counts = overview.data["counts"]
    assert (counts["sent"], counts["bounced"], counts["delivered"]) == (2, 1, 1)
    assert (counts["opens_human"], counts["unique_opens"], counts["opens_machine"]) == (2, 1, 1)
    assert (
        overview.data["rates"]["open_rate"] == 1.0 and overview.data["rates"]["bounce_rate"] == 0.5
    )
    path = f"/v1/campaigns/{world.a_campaign_id}/analytics"
    campaign = api.call("GET", path, world.a_key).data
    assert campaign["counts"] == counts
    assert [(s["step"], s["variant"], s["counts"]["sent"]) for s in campaign["steps"]] == [
        (1, "A", 1),
        (1, "B", 1),
    ]
    assert campaign["steps"][0]["counts"]["unique_opens"] == 1


def test_timeseries_deliverability_and_heatmap(api, world):
    query = f"metric=unique_opens&group_by=week&mailbox_id={world.a_mailbox_id}"
    query += f"&from=2026-11-20&to={DAY}"
    series = api.call("GET", f"/v1/analytics/timeseries?{query}", world.a_key).data
    assert series["points"] == [
        {"period": "2026-11-16", "value": 0},
        {"period": "2026-11-23", "value": 1},
    ]
    found = api.call("GET", f"/v1/analytics/deliverability?{RANGE}", world.a_key).data
    assert [(d["domain_id"], d["counts"]["sent"]) for d in found["domains"]] == [
        (world.a_domain_id, 2)
    ]
    assert found["providers"][0] == {**found["providers"][0], "provider": "gmail"}
    assert found["providers"][0]["counts"]["bounced"] == 1
    heat = api.call("GET", f"/v1/analytics/heatmap?{RANGE}", world.a_key).data
    assert heat["opens"][5][14] == 2 and sum(map(sum, heat["opens"])) == 2  # Saturday 14h UTC


def test_another_tenants_ids_are_404_and_b_sees_none_of_a(api, world):
    path = f"/v1/campaigns/{world.a_campaign_id}/analytics"
    assert api.call("GET", path, world.b_key).status_code == 404
    for name in ("campaign_id", "mailbox_id", "domain_id"):
        value = getattr(world, f"a_{name}")
        reply = api.call("GET", f"/v1/analytics/timeseries?metric=sent&{name}={value}", world.b_key)
        assert reply.status_code == 404 and reply.data["error"]["details"]["field"] == name
    assert (
        api.call("GET", f"/v1/analytics/overview?{RANGE}", world.b_key).data["counts"]["sent"] == 0
    )


@pytest.mark.parametrize(
    ("path", "status", "field"),
    [
        ("/v1/analytics/overview?from=2024-01-01&to=2026-01-01", 422, "from"),
        ("/v1/analytics/overview?from=2026-02-01&to=2026-01-01", 422, "from"),
        ("/v1/analytics/overview?from=2026-02-30", 400, "from"),
        ("/v1/analytics/heatmap?to=tomorrow", 400, "to"),
        ("/v1/analytics/deliverability?from=2026-01-01&to=2028-01-01", 422, "from"),
        ("/v1/analytics/timeseries?metric=opens", 400, "metric"),
        ("/v1/analytics/timeseries?metric=sent&group_by=year", 400, "group_by"),
        ("/v1/analytics/timeseries?metric=sent&campaign_id=nope", 400, "campaign_id"),
        ("/v1/analytics/timeseries?metric=sent&mailbox_id=mbx_a&domain_id=dom_b", 400, "domain_id"),
        ("/v1/campaigns/cmp_%23x/analytics", 400, "campaign_id"),
    ],
)
def test_bad_input_names_the_field(api, path, status, field):
    _, key = api.new_tenant("business")
    reply = api.call("GET", path, key)
    assert reply.status_code == status, reply.data
    assert reply.data["error"]["details"]["field"] == field


@pytest.fixture
def dynamodb_calls(aws):
    """Every DynamoDB request the shared client makes, as (operation, table)."""
    from chalicelib.aws import clients

    calls: list[tuple[str, str]] = []

    def seen(model, params, **_):
        calls.append(
            (model.name, params.get("TableName", "") or ",".join(params.get("RequestItems", {})))
        )

    events = clients.dynamodb().meta.events
    events.register("before-parameter-build.dynamodb", seen)
    yield calls
    events.unregister("before-parameter-build.dynamodb", seen)


def test_a_dashboard_view_costs_at_most_five_dynamodb_requests(api, world, dynamodb_calls):
    views = {
        "overview": f"/v1/analytics/overview?from=2025-11-01&to={DAY}",
        "timeseries": "/v1/analytics/timeseries?metric=open_rate&group_by=month"
        + f"&from=2025-11-01&to={DAY}",
        "campaign": f"/v1/campaigns/{world.a_campaign_id}/analytics",
        "deliverability": f"/v1/analytics/deliverability?{RANGE}",
        "heatmap": f"/v1/analytics/heatmap?from=2025-11-01&to={DAY}",
    }
    for name, path in views.items():
        dynamodb_calls.clear()
        assert api.call("GET", path, world.a_key).status_code == 200
        # the key, the tenant, the rate limit, (the campaign,) and one read of the counters
        assert len(dynamodb_calls) <= 5, (name, dynamodb_calls)
        assert [c for c in dynamodb_calls if c[1].endswith("-counters")] == [
            ("BatchGetItem" if name == "heatmap" else "Query", dynamodb_calls[-1][1])
        ], name
