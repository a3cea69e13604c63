"""The entry point of every provisioning task handler: the task found by name, run with the
feature's ports."""

from __future__ import annotations

from typing import Any

from chalicelib.provisioning import create_tasks, remove_tasks
from chalicelib.provisioning.errors import ProvisioningFailed
from chalicelib.provisioning.steps import TASKS, run

TASK_MODULES = (create_tasks, remove_tasks)  # importing them registers their tasks


def run_step(name: str, event: dict[str, Any]) -> dict[str, Any]:
    """Run the task ``name`` (a ``functions.provisioning`` handler's name) for ``event``."""
    from chalicelib.provisioning.wiring import ports

    try:
        work = TASKS[name]
    except KeyError:
        raise ProvisioningFailed(f"no provisioning task {name!r}") from None
    return run(ports(), work, event)
