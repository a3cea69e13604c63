"""The warm-up state machine's task handlers (``infrastructure/statemachines/warmup.asl.json``
names each by its function), one small Lambda handler per task.

Every task gets ``{tenant_id, mailbox_id, run, state}`` and what the ASL passes on (the
day's ``on``, ``sent``, the settle ``polls``); the work is ``chalicelib.warmup.run_task``.
An exception's class name is the error name the ASL retries on."""

from __future__ import annotations

from typing import Any

from functions._runtime import invocation


def _run(task: str, event: dict[str, Any], context: Any) -> dict[str, Any]:
    from chalicelib.warmup import run_task

    with invocation(f"warmup.{task}", context):
        return run_task(task, event)


def open_day(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """``{"open", "on", "day", "target", "wait_seconds"}`` (the ASL ends on ``open`` false)."""
    return _run("open_day", event, context)


def send_day(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _run("send_day", event, context)


def settle_day(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """``{"settled", "polls", "wait_seconds"}`` (the ASL polls again until settled)."""
    return _run("settle_day", event, context)


def close_day(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """``{"status"}``: warming loops to the next day, completed hands over, else done."""
    return _run("close_day", event, context)


def hand_over(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _run("hand_over", event, context)
