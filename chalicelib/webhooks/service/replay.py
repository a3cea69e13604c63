"""Replay jobs: a past range of a tenant's events sent again to one endpoint, with the same
``event_id``s (each replayed delivery's id and queue dedup id carry the job's id, so neither
the delivery record nor the FIFO queue takes it for the original).

The worker runs a job in steps: the first counts the events to send (``total``) and marks it
running; each step reads up to ``STEP_EVENTS`` events from the job's cursor (the archive's
part of the range first, then the log's), queues their deliveries and moves the cursor and
``done`` in one conditional write (a step run twice counts once); the job is queued again
while events remain, and completed when none do."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from chalicelib.core.clock import parse_iso
from chalicelib.webhooks.ports import Window, position
from chalicelib.webhooks.rules import replay as replay_rules
from chalicelib.webhooks.service.dispatch import queued

if TYPE_CHECKING:
    from chalicelib.core.events import Event
    from chalicelib.webhooks.ports import ArchivedEvents, EventLog
    from chalicelib.webhooks.rules.records import Endpoint, ReplayJob
    from chalicelib.webhooks.service import WebhookPorts

STEP_EVENTS = 500
PAGE = 100


def _windows(job: ReplayJob) -> list[tuple[str, Window]]:
    now = parse_iso(job.created_at)
    return [
        (p.source, Window(p.first, p.last, job.types))
        for p in replay_rules.phases(job.first, job.last, now)
    ]


def _source(ports: WebhookPorts, name: str) -> EventLog | ArchivedEvents:
    return ports.log if name == "log" else ports.archive


def run_step(ports: WebhookPorts, tenant_id: str, endpoint_id: str, job_id: str) -> bool:
    """One step of the job; whether another is needed (the caller queues it)."""
    job = ports.jobs.get(tenant_id, endpoint_id, job_id)
    if job is None or job.status in ("completed", "failed"):
        return False
    endpoint = ports.endpoints.get(tenant_id, endpoint_id)
    if endpoint is None:
        ports.jobs.finish(job, "failed", job.total, ports.clock.now_iso(), "endpoint deleted")
        return False
    if job.status == "pending":
        total = sum(_source(ports, s).count(tenant_id, w) for s, w in _windows(job))
        ports.jobs.started(job, total, ports.clock.now_iso())
        return True
    return _send_some(ports, job, endpoint)


def _next_events(ports: WebhookPorts, job: ReplayJob) -> tuple[list[Event], dict[str, str]]:
    """Up to a page of events from the cursor on, and the cursor after them."""
    windows = _windows(job)
    phase = int(job.cursor.get("phase", "0"))
    after = job.cursor.get("after") or None
    while phase < len(windows):
        source, window = windows[phase]
        found = _source(ports, source).page(job.tenant_id, window, after, PAGE)
        if found:
            return found, {"phase": str(phase), "after": position(found[-1])}
        phase, after = phase + 1, None
    return [], {"phase": str(phase), "after": ""}


def _send_some(ports: WebhookPorts, job: ReplayJob, endpoint: Endpoint) -> bool:
    sent = 0
    while sent < STEP_EVENTS:
        events, cursor = _next_events(ports, job)
        if not events:
            ports.jobs.finish(
                job, "completed", max(job.total, job.done), ports.clock.now_iso(), None
            )
            return False
        made = [queued(ports, endpoint, e, job.job_id) for e in events]
        ports.queue.send([m for m in made if m is not None])
        if not ports.jobs.advance(job, cursor, len(events), ports.clock.now_iso()):
            return False  # another run moved the job on: it queues the next step
        job = _moved(job, cursor, len(events))
        sent += len(events)
    return True


def _moved(job: ReplayJob, cursor: dict[str, str], done: int) -> ReplayJob:
    return replace(job, cursor=cursor, done=job.done + done)
