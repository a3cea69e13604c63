"""Running a warm-up's days on Step Functions (``warmup.asl.json``): one standard execution
per mailbox and run, named ``<mailbox id>-r<run>``.

Starting the same run again is a no-op (``ExecutionAlreadyExists``): a retried API call
never starts a second execution. Stopping stops the run's execution when it still runs; a
run superseded by a newer one ends by itself (its tasks see the newer ``run``)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalicelib.core.errors import ServiceUnavailable

if TYPE_CHECKING:
    from chalicelib.warmup.records import Warmup


def execution_name(warmup: Warmup) -> str:
    return f"{warmup.mailbox_id}-r{warmup.run}"


class StepFunctionsWorkflow:
    def __init__(self, client: Any, machine_arn: str) -> None:
        self._client = client
        self._arn = machine_arn

    def start(self, warmup: Warmup) -> None:
        payload = {
            "tenant_id": warmup.tenant_id,
            "mailbox_id": warmup.mailbox_id,
            "run": warmup.run,
        }
        try:
            self._client.start_execution(
                stateMachineArn=self._machine(),
                name=execution_name(warmup),
                input=json.dumps(payload, sort_keys=True),
            )
        except self._client.exceptions.ExecutionAlreadyExists:
            return

    def stop(self, warmup: Warmup) -> None:
        arn = f"{self._machine().replace(':stateMachine:', ':execution:')}:{execution_name(warmup)}"
        try:
            self._client.stop_execution(executionArn=arn, cause="the warm-up was stopped")
        except self._client.exceptions.ExecutionDoesNotExist:
            return

    def _machine(self) -> str:
        if not self._arn:
            raise ServiceUnavailable("the warm-up state machine is not configured")
        return self._arn
