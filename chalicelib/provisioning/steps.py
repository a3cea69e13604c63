"""Running one provisioning task: the server record read, its step booked ``running`` with one
more attempt, the work done, the step booked ``succeeded`` / ``skipped`` or ``failed`` with
the error, and the exception re-raised for the state machine (whose Retry may run it again).

A task is ``work(ports, server, event) -> (server, result)``: it saves what it creates as
soon as it exists (``Job.keep``), so a task killed half-way is retried from the truth, and
every call it makes is idempotent. ``TASKS`` maps the ``functions.provisioning`` handler
names to the work (``create_tasks`` and ``remove_tasks``); ``runner.run_step`` is the entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from chalicelib.provisioning.errors import ProvisioningFailed
from chalicelib.provisioning.store_errors import StaleServer

if TYPE_CHECKING:
    from chalicelib.provisioning.ports import ProvisioningPorts
    from chalicelib.provisioning.records import Server

# States whose work is booked under another step's name (the poll loop is "WaitForIp").
BOOKED_AS = {"PollVps": "WaitForIp", "IpReady": "WaitForIp"}
ERROR_TEXT = 500


@dataclass
class Job:
    """One task run: the ports, the latest saved record, the step it books under."""

    ports: ProvisioningPorts
    server: Server
    step: str
    event: dict[str, Any]

    def keep(self, **resources: Any) -> Server:
        """Save new resources now (before anything else can fail)."""
        self.server = self._save(lambda s: s.with_resources(**resources))
        return self.server

    def forget(self, *names: str) -> Server:
        self.server = self._save(lambda s: s.without_resources(*names))
        return self.server

    def change(self, **fields: Any) -> Server:
        self.server = self._save(lambda s: replace(s, **fields))
        return self.server

    def _save(self, change: Callable[[Server], Server]) -> Server:
        for _ in range(5):
            now = self.ports.clock.now_iso()
            try:
                return self.ports.servers.save(replace(change(self.server), updated_at=now))
            except StaleServer:
                fresh = self.ports.servers.get(self.server.tenant_id, self.server.server_id)
                if fresh is None:
                    raise ProvisioningFailed("the server record is gone") from None
                self.server = fresh
        raise ProvisioningFailed("the server record keeps changing under this task")


Work = Callable[[Job], dict[str, Any]]
TASKS: dict[str, Work] = {}


def task(name: str) -> Callable[[Work], Work]:
    def register(work: Work) -> Work:
        TASKS[name] = work
        return work

    return register


def run(ports: ProvisioningPorts, work: Work, event: dict[str, Any]) -> dict[str, Any]:
    tenant_id, server_id = str(event.get("tenant_id", "")), str(event.get("server_id", ""))
    state = str(event.get("state") or "")
    server = ports.servers.get(tenant_id, server_id)
    if server is None:
        raise ProvisioningFailed(f"no server {server_id} for tenant {tenant_id}")
    step = BOOKED_AS.get(state, state)
    job = Job(ports, server, step, event)
    before = server.steps.get(step)
    job.server = job._save(
        lambda s: s.with_step(
            step,
            status="running",
            started_at=(before.started_at if before and before.started_at else None)
            or ports.clock.now_iso(),
            ended_at=None,
            attempts=(before.attempts if before else 0) + 1,
        )
    )
    try:
        result = work(job)
    except Exception as exc:
        error = {"type": type(exc).__name__, "message": str(exc)[:ERROR_TEXT]}
        job._save(
            lambda s: s.with_step(
                step, status="failed", ended_at=ports.clock.now_iso(), error=error
            )
        )
        raise
    status = str(result.pop("step_status", "succeeded"))
    if status != "running":
        job._save(
            lambda s: s.with_step(step, status=status, ended_at=ports.clock.now_iso(), error=None)
        )
    return result
