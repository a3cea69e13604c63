"""The scheduler: fires the template's ``rate(...)`` schedules at their handlers.

Locally a schedule's period is divided by the platform's time scale (default 60, so
``rate(5 minutes)`` fires every 5 seconds), unless the rule's ``Metadata`` gives its own
local period (``LocalEverySeconds``: the campaign scheduler fires every 2 s). Each firing
sends the same event EventBridge would. Runs, last result and last error per schedule are
kept for the health report.

A schedule can be held (``--hold-schedule HealthMonitorSchedule``): it never fires by itself, and
``fire_now`` (``POST /local/schedules/run``) fires it, or any other, once on demand with an
optional ``detail`` (the health monitor reads ``detail.tenant_id`` to look at one tenant).
The integration tests hold the health monitor on their shared platform, whose demo mailboxes
bounce on purpose in many tests, and run it for the tenants they look at.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from infrastructure.local import lambda_runtime
from infrastructure.local.template import ScheduleSpec

log = logging.getLogger("penguinmails.local.scheduler")


def _period(schedule: ScheduleSpec, time_scale: float) -> float:
    if schedule.local_every is not None:
        return max(0.2, schedule.local_every)
    return max(0.2, schedule.rate_seconds / time_scale)


class Scheduler(threading.Thread):
    def __init__(
        self, schedules: list[ScheduleSpec], time_scale: float, held: tuple[str, ...] = ()
    ) -> None:
        super().__init__(name="scheduler", daemon=True)
        unknown = set(held) - {s.logical_id for s in schedules}
        if unknown:
            raise ValueError(f"no such schedule to hold: {', '.join(sorted(unknown))}")
        self.schedules = schedules
        self.held = frozenset(held)
        self._lock = threading.Lock()  # one firing of a schedule at a time
        self.periods = {s.logical_id: _period(s, time_scale) for s in schedules}
        self._stop_event = threading.Event()
        self.runs: dict[str, dict[str, Any]] = {
            s.logical_id: {
                "expression": s.expression,
                "every_seconds": self.periods[s.logical_id],
                "runs": 0,
                "errors": 0,
                "last_result": None,
                "last_error": "",
                "last_run_at": None,
                "held": s.logical_id in self.held,
            }
            for s in schedules
        }

    def stop(self) -> None:
        self._stop_event.set()

    def run(self) -> None:
        due = {s.logical_id: time.monotonic() + self.periods[s.logical_id] for s in self.schedules}
        while not self._stop_event.is_set():
            now = time.monotonic()
            for schedule in self.schedules:
                if schedule.logical_id in self.held:
                    continue
                if now >= due[schedule.logical_id]:
                    due[schedule.logical_id] = now + self.periods[schedule.logical_id]
                    self.fire(schedule)
            self._stop_event.wait(0.05)

    def fire_now(self, logical_id: str, detail: dict[str, Any] | None = None) -> dict[str, Any]:
        """Fire one schedule now, held or not; its state after the run (KeyError: unknown)."""
        schedule = {s.logical_id: s for s in self.schedules}[logical_id]
        self.fire(schedule, detail or {})
        return dict(self.runs[logical_id])

    def fire(self, schedule: ScheduleSpec, detail: dict[str, Any] | None = None) -> None:
        with self._lock:
            self._fire(schedule, detail or {})

    def _fire(self, schedule: ScheduleSpec, detail: dict[str, Any]) -> None:
        state = self.runs[schedule.logical_id]
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        event = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": "123456789012",
            "time": stamp,
            "region": "us-east-1",
            "detail": detail,
            "resources": [f"arn:aws:events:us-east-1:123456789012:rule/{schedule.logical_id}"],
        }
        state["runs"] += 1
        state["last_run_at"] = stamp
        try:
            state["last_result"] = lambda_runtime.invoke(schedule.function, event)
        except Exception as exc:  # noqa: BLE001 - recorded; the next run is still due
            state["errors"] += 1
            state["last_error"] = f"{type(exc).__name__}: {exc}"[:300]
            log.exception("schedule %s failed", schedule.logical_id)

    def status(self) -> dict[str, Any]:
        return {"alive": self.is_alive(), "schedules": self.runs}
