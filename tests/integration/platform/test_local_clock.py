"""``/local/clock`` on a platform of its own (moving the shared one's clock would move every
other test's days): what the app writes after an advance carries the advanced time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chalicelib.core.clock import parse_iso
from tests.integration.conftest import start_platform, stop_platform

THREE_DAYS = 3 * 86_400


def test_after_an_advance_the_app_reads_the_moved_clock(tmp_path):
    running = start_platform(tmp_path, "--no-demo")
    try:
        # given a platform whose clock is three days ahead
        before = running.get("/local/clock").json()
        assert before["offset_seconds"] == 0
        moved = running.request("POST", "/local/clock", json={"advance_seconds": THREE_DAYS})
        assert moved.status_code == 200 and moved.json()["offset_seconds"] == THREE_DAYS
        assert running.get("/local/platform").json()["clock"]["offset_seconds"] == THREE_DAYS
        refused = running.request("POST", "/local/clock", json={"advance_seconds": 0})
        assert refused.status_code == 400
        assert refused.json()["error"]["details"]["field"] == "advance_seconds"
        # when the app records something
        reply = running.request(
            "POST", "/v1/tenants", running.admin_key, json={"name": "Later", "plan": "starter"}
        )
        assert reply.status_code == 201, reply.text
    finally:
        stop_platform(running)
    # then its time is the moved one, not the system's
    created = parse_iso(reply.json()["tenant"]["created_at"])
    ahead = created - datetime.now(UTC)
    assert timedelta(days=2, hours=23) < ahead <= timedelta(days=3)
