"""Starting the provisioning and decommission state machines (Step Functions, boto3).

Executions are always named (``<server id>-provision``, ``<server id>-decommission``):
starting one that already runs, or ran, with the same input is a no-op, so a retried API
call never starts a second execution."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalicelib.core.errors import ServiceUnavailable

if TYPE_CHECKING:
    from collections.abc import Mapping


class StepFunctionsWorkflow:
    def __init__(self, client: Any, machines: Mapping[str, str]) -> None:
        self._client = client
        self._machines = dict(machines)

    def start(self, machine: str, name: str, payload: dict[str, Any]) -> str:
        arn = self._machines.get(machine)
        if not arn:
            raise ServiceUnavailable(f"the {machine} state machine is not configured")
        try:
            reply = self._client.start_execution(
                stateMachineArn=arn, name=name, input=json.dumps(payload, sort_keys=True)
            )
        except self._client.exceptions.ExecutionAlreadyExists:
            return f"{arn.replace(':stateMachine:', ':execution:')}:{name}"
        return str(reply["executionArn"])
