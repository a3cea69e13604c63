"""Calling a Lambda handler in-process the way the Lambda service would.

Handlers are named ``module.function`` in the template; each call gets a fresh context
object with a request id and the function's timeout.
"""

from __future__ import annotations

import importlib
import time
import uuid
from collections.abc import Callable
from typing import Any

from infrastructure.local.template import FunctionSpec


class LocalLambdaContext:
    def __init__(self, function: FunctionSpec) -> None:
        self.function_name = function.logical_id
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = 256
        self.aws_request_id = str(uuid.uuid4())
        self.invoked_function_arn = (
            f"arn:aws:lambda:us-east-1:123456789012:function:{function.logical_id}"
        )
        self.log_group_name = f"/aws/lambda/{function.logical_id}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + function.timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def resolve(handler: str) -> Callable[[dict[str, Any], Any], Any]:
    module, _, name = handler.rpartition(".")
    return getattr(importlib.import_module(module), name)


def invoke(function: FunctionSpec, event: dict[str, Any]) -> Any:
    return resolve(function.handler)(event, LocalLambdaContext(function))
