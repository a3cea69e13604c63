"""The provisioning tasks: each reads the server record, does one idempotent piece of work
through the ports, books it under its step and saves the record."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.provisioning.errors import ProvisioningFailed

Task = Callable[[dict[str, Any]], dict[str, Any]]
TASKS: dict[str, Task] = {}


def run_step(task: str, event: dict[str, Any]) -> dict[str, Any]:
    """Run the task ``task`` (a ``functions.provisioning`` handler's name) for ``event``."""
    try:
        work = TASKS[task]
    except KeyError:
        raise ProvisioningFailed(f"no provisioning task {task!r}") from None
    return work(event)
