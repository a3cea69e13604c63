"""Held schedules and ``POST /local/schedules/run``: a held schedule never fires by itself;
the route fires any schedule once, now, with the event detail it is given."""

from __future__ import annotations

import time
from typing import Any

import pytest

from infrastructure.local import lambda_runtime
from infrastructure.local import template as tpl
from infrastructure.local.http_server import LocalRoutes
from infrastructure.local.scheduler import Scheduler


@pytest.fixture
def fired(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    calls: list[tuple[str, dict[str, Any]]] = []

    def invoke(function: Any, event: dict[str, Any]) -> dict[str, Any]:
        calls.append((function.handler, event))
        return {"ok": True}

    monkeypatch.setattr(lambda_runtime, "invoke", invoke)
    return calls


def test_a_held_schedule_never_fires_by_itself_and_fires_on_demand(fired):
    scheduler = Scheduler(
        tpl.schedules(tpl.load()), time_scale=6000, held=("HealthMonitorSchedule",)
    )
    scheduler.start()
    try:
        time.sleep(0.6)  # every other schedule fires every 0.2 s at this scale
    finally:
        scheduler.stop()
        scheduler.join(timeout=5)
    handlers = {handler for handler, _ in fired}
    assert "functions.health_monitor.handler" not in handlers
    assert "functions.queue_monitor.handler" in handlers
    assert (
        scheduler.runs["HealthMonitorSchedule"]["held"]
        and scheduler.runs["HealthMonitorSchedule"]["runs"] == 0
    )

    fired.clear()
    state = scheduler.fire_now("HealthMonitorSchedule", {"tenant_id": "ten_1"})
    [(handler, event)] = fired
    assert handler == "functions.health_monitor.handler"
    assert event["detail"] == {"tenant_id": "ten_1"} and event["source"] == "aws.events"
    assert state["runs"] == 1 and state["last_result"] == {"ok": True}


def test_holding_an_unknown_schedule_is_an_error():
    with pytest.raises(ValueError, match="NoSuchSchedule"):
        Scheduler(tpl.schedules(tpl.load()), time_scale=60, held=("NoSuchSchedule",))


def test_the_route_checks_its_body_and_names_unknown_schedules():
    seen: list[tuple[str, dict[str, Any]]] = []

    def run(name: str, detail: dict[str, Any]) -> dict[str, Any]:
        if name != "HealthMonitorSchedule":
            raise KeyError(name)
        seen.append((name, detail))
        return {"runs": 1}

    routes = LocalRoutes(smtp=None, describe=dict, run_schedule=run)
    path = "/local/schedules/run"
    assert routes.handle("POST", path, b'{"schedule": "HealthMonitorSchedule"}') == (
        200,
        {"runs": 1},
    )
    assert seen == [("HealthMonitorSchedule", {})]
    assert routes.handle("POST", path, b'{"schedule": "Nope"}')[0] == 404
    for bad in (
        b"{",
        b"[]",
        b'{"schedule": 3}',
        b'{"schedule": "HealthMonitorSchedule", "detail": 1}',
    ):
        status, body = routes.handle("POST", path, bad)
        assert status == 400 and body["error"]["message"], bad
    status, _ = LocalRoutes(smtp=None, describe=dict).handle("POST", path, b'{"schedule": "X"}')
    assert status == 404
