"""Issue 16's browser flows on the running platform, each with a tenant of its own (the demo
tenant's stream carries every other test's mail): a webhook registered in the dashboard,
pointed at a receiver on loopback, whose signed deliveries arrive, verify with the secret the
page showed once, and appear in the page's deliveries log; and a 10-contact campaign started
from the dashboard whose progress and bounce appear live, with no reload."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.conftest import eventually
from tests.integration.dashboard.conftest import (
    check_accessibility,
    new_page,
    screenshot,
    sign_in,
    visit,
)
from tests.integration.tenants import SendingTenant, sending_tenant
from tests.integration.webhook_receiver import Receiver, verified

SIM = "sim.penguinmails.test"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.close()


@pytest.fixture
def tenant(platform: Any) -> SendingTenant:
    return sending_tenant(platform, "business")


@pytest.fixture
def tenant_page(browser: Any, platform: Any, tenant: SendingTenant) -> Iterator[Any]:
    page = new_page(browser, platform)
    sign_in(page, tenant.key)
    yield page
    page.context.close()


def _ok(reply: Any, status: int) -> dict[str, Any]:
    assert reply.status_code == status, (reply.status_code, reply.text)
    return reply.json()  # type: ignore[no-any-return]


def test_a_webhook_added_in_the_dashboard_gets_signed_deliveries_the_page_lists(
    platform, tenant, tenant_page, receiver
):
    page = tenant_page
    visit(page, "webhooks")
    form = page.get_by_role("form", name="Add a webhook endpoint")
    form.get_by_label("Endpoint URL").fill(receiver.url)
    form.get_by_role("button", name="Add endpoint").click()
    secret = page.locator("code.secret").inner_text().strip()
    assert secret.startswith("whsec_")
    screenshot(page, "flow-webhook-created")

    # when a message is sent, and a test event is sent from the endpoint's page
    to = f"success+dash{uuid.uuid4().hex[:8]}@{SIM}"
    body = {"from": tenant.mailboxes[0], "to": to, "subject": "Hooks", "text": "Hello"}
    message_id = _ok(platform.request("POST", "/v1/messages", tenant.key, json=body), 202)["id"]
    page.get_by_role("link", name=f"Open {receiver.url}").click()
    page.wait_for_function("document.querySelector('#page').dataset.ready")
    page.get_by_role("button", name="Send a test event").click()

    def arrived() -> list[tuple[dict[str, Any], dict[str, Any], bytes]] | None:
        got = receiver.events()
        types = {(e.get("message_id"), e["type"]) for e, _, _ in got}
        wanted = {(message_id, "message.sent"), (None, "webhook.test")}
        return got if wanted <= types else None

    got = eventually(arrived, attempts=300)
    # then every delivery verifies with the secret the page showed
    for event, headers, raw in got:
        assert verified(headers["penguinmails-signature"], raw, secret), (event, headers)
        assert headers["penguinmails-event-id"] == event["event_id"]
    sent = next(e for e, _, _ in got if e["type"] == "message.sent")

    # and the page's deliveries log shows them delivered, with the receiver's 200
    def listed() -> bool:
        page.get_by_role("button", name="Refresh deliveries").click()
        table = page.get_by_role("table", name="Deliveries")
        return table.count() > 0 and sent["event_id"] in table.inner_text()

    eventually(listed, attempts=60, pause=0.5)
    row = page.get_by_role("row").filter(has_text=sent["event_id"])
    assert "delivered" in row.inner_text() and "200 in" in row.inner_text()
    check_accessibility(page, "webhook detail")
    screenshot(page, "flow-webhook-deliveries")
