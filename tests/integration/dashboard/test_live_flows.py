"""Issue 16's browser flows on the running platform, each with a tenant of its own (the demo
tenant's stream carries every other test's mail): a webhook registered in the dashboard,
pointed at a receiver on loopback, whose signed deliveries arrive, verify with the secret the
page showed once, and appear in the page's deliveries log; and a 10-contact campaign started
from the dashboard whose progress and bounce appear live, with no reload."""

from __future__ import annotations

import json
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
    wait_for_text,
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
    def listed() -> str | None:
        """The sent event's row once it says delivered (the receiver gets the request a
        moment before the sender records its answer)."""
        page.get_by_role("button", name="Refresh deliveries").click()
        row = page.get_by_role("row").filter(has_text=sent["event_id"])
        text = row.inner_text() if row.count() else ""
        return text if "delivered" in text else None

    row = eventually(listed, attempts=60, pause=0.5)
    assert "200 in" in row, row
    check_accessibility(page, "webhook detail")
    screenshot(page, "flow-webhook-deliveries")


def _contacts_list(platform: Any, tenant: SendingTenant, run: str) -> tuple[str, list[str]]:
    """Ten contacts (nine the simulator accepts, one it refuses at RCPT) imported into a new
    list through the API; the list's name and the addresses."""
    addresses = [f"success+c{n}{run}@{SIM}" for n in range(9)] + [f"bounce+{run}@{SIM}"]
    name = f"Ten {run}"
    listed = _ok(platform.request("POST", "/v1/lists", tenant.key, json={"name": name}), 201)
    csv = "Email,First Name\n" + "".join(f"{a},P{n}\n" for n, a in enumerate(addresses))
    body = {"csv": csv, "list_id": listed["id"]}
    job = _ok(platform.request("POST", "/v1/imports", tenant.key, json=body), 201)

    def imported() -> dict[str, Any] | None:
        found = _ok(platform.get(f"/v1/imports/{job['id']}", tenant.key), 200)
        return found if found["status"] in ("completed", "failed") else None

    assert eventually(imported, attempts=300)["created"] == 10
    return name, addresses


def _step_one(page: Any) -> dict[str, str]:
    """The first row of the page's "Progress per step" table, by column header."""
    table = page.get_by_role("table", name="Progress per step")
    headers = [h.strip().lower() for h in table.locator("th").all_inner_texts()]
    cells = [c.strip() for c in table.locator("tbody tr").first.locator("td, th").all_inner_texts()]
    return dict(zip(headers, cells, strict=False))


def test_a_campaign_started_in_the_dashboard_shows_its_progress_and_bounce_live(
    platform, tenant, tenant_page
):
    page, run = tenant_page, uuid.uuid4().hex[:6]
    list_name, _ = _contacts_list(platform, tenant, run)
    frames: list[dict[str, Any]] = []  # what the page's WebSockets received
    page.on(
        "websocket",
        lambda ws: ws.on("framereceived", lambda payload: frames.append(json.loads(payload))),
    )

    # when a one-step campaign is created, enrolled and started from the dashboard
    visit(page, "campaigns")
    page.get_by_text("New campaign").click()
    form = page.get_by_role("form", name="New campaign")
    form.get_by_label("Name").fill(f"Live {run}")
    box = form.get_by_label(tenant.mailboxes[0])
    if not box.is_checked():
        box.check()
    form.get_by_role("button", name="Create draft").click()
    page.wait_for_function("document.querySelector('#page').dataset.page === 'campaigns'")
    page.get_by_role("heading", name=f"Live {run}").wait_for()
    wait_for_text(page, "Live updates: connected")
    enrol = page.get_by_role("form", name="Enrol a list")
    enrol.get_by_label("Enrol the contacts of list").select_option(label=list_name)
    enrol.get_by_role("button", name="Enrol").click()
    wait_for_text(page, "Enrolled 10")
    page.evaluate("window.__sameDocument = true")
    page.get_by_role("button", name="Start now").click()

    # then the progress moves to 9 sent and 1 bounced, and the bounce shows in the live
    # feed of message events, all over the socket: the page is never reloaded, and no poll
    # runs while the socket is live
    def settled() -> dict[str, str] | None:
        row = _step_one(page)
        return row if (row.get("sent"), row.get("bounced")) == ("9", "1") else None

    row = eventually(settled, attempts=300)
    feed = page.get_by_role("list", name="Message events")
    feed.get_by_text("message.bounced").first.wait_for()
    # the progress comes from the campaign reactions, the feed from the events consumer:
    # two consumers of the stream, so the last sends may reach the feed a moment later
    eventually(lambda: feed.get_by_text("message.sent").count() >= 9, attempts=100)
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"
    assert "connected" in page.get_by_role("status").filter(has_text="Live updates").inner_text()
    pushed = [f["counters"] for f in frames if f.get("type") == "counters"]
    assert any(c["steps"][0]["bounced"] == 1 for c in pushed if c.get("steps")), pushed
    assert {"message.queued", "message.sent", "message.bounced"} <= {
        f["event"]["type"] for f in frames if f.get("type") == "event"
    }
    assert row["sent"] == "9"
    check_accessibility(page, "campaign detail (live)")
    screenshot(page, "flow-campaign-live")
