"""The template's state machines on the emulator's Step Functions engine (moto 5.2, execute
mode), their Lambda tasks run in-process by our handlers.

moto's engine calls a Lambda task through the Lambda API of its own server, which lands in
``LambdaSimpleBackend.invoke`` (``"lambda": {"use_docker": false}``). ``install`` replaces
that method with ``dispatch``: the function's name (the last part of the task's ARN) is looked
up in a ``LambdaRegistry`` (the template's functions, by their ``FunctionName`` for the stage
``local``, plus any a test registers) and its handler called with ``lambda_runtime``. A handler
that raises answers the way Lambda does, ``x-amz-function-error: Unhandled`` and
``{"errorType": <class name>, "errorMessage", "stackTrace"}``; moto reads ``errorType`` as the
error name (``StateTaskLambda._from_error``), so the ASL's Retry and Catch match our
``chalicelib.provisioning.errors`` class names. An unknown function answers the same way with
``ResourceNotFoundException``.

``create_state_machines`` creates (or updates) every state machine of the template from its
``.asl.json``: placeholders become the local function ARNs, every Wait ``Seconds`` and Retry
``IntervalSeconds`` is divided by the time scale (rounded up: ASL wants integers and moto an
interval of at least 1 s) and each backoff is capped at its longest scaled delay
(``MaxDelaySeconds``), so a retry budget shrinks with the scale instead of growing back.
A Wait with ``SecondsPath`` (the warm-up's day and settle waits) is not rewritten: its
seconds come from a task, which reads them from ``PM_WARMUP_DAY_SECONDS`` (the platform sets
it to a day divided by the time scale, or ``--warmup-day-seconds``).
The state machines are Deployed-only resources: the emulator's stack (Stage ``local``) has
none, the way it runs no function.
"""

from __future__ import annotations

import copy
import json
import math
import os
import traceback
from collections.abc import Callable
from typing import Any

from infrastructure.local import lambda_runtime
from infrastructure.local import template as tpl
from infrastructure.local.emulator import ACCOUNT, REGION

Handler = Callable[[dict[str, Any], Any], Any]
STAGE = "local"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/penguinmails-{STAGE}-state-machines"
NOT_FOUND = "ResourceNotFoundException"


def function_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def function_name(name_or_arn: str) -> str:
    """``arn:aws:lambda:r:a:function:NAME[:qualifier]`` (or a bare name) -> ``NAME``."""
    if ":function:" in name_or_arn:
        return name_or_arn.split(":function:", 1)[1].split(":", 1)[0]
    return name_or_arn


class LambdaRegistry:
    """The functions Lambda tasks may call locally, by function name: the template's, and
    those a test registers or overrides (no patching of our code needed)."""

    def __init__(self, template: dict[str, Any] | None = None) -> None:
        template = template if template is not None else tpl.load()
        specs, names = tpl.functions(template), tpl.function_names(template, STAGE)
        self._specs = {names[lid]: spec for lid, spec in specs.items()}
        self._names = names
        self._handlers: dict[str, Handler] = {}

    def name_of(self, logical_id: str) -> str:
        return self._names[logical_id]

    def arn_of(self, logical_id: str) -> str:
        return function_arn(self._names[logical_id])

    def register(self, name: str, handler: Handler, timeout: int = 60) -> str:
        """Add (or replace) function ``name`` running ``handler``; returns its ARN."""
        self._specs.setdefault(name, tpl.FunctionSpec(name, f"<registered {name}>", timeout))
        self._handlers[name] = handler
        return function_arn(name)

    def override(self, logical_id: str, handler: Handler) -> str:
        """Run ``handler`` in place of the template function ``logical_id``; its ARN."""
        return self.register(self._names[logical_id], handler)

    def __contains__(self, name: str) -> bool:
        return name in self._specs

    def invoke(self, name: str, event: Any) -> Any:
        spec = self._specs[name]
        handler = self._handlers.get(name)
        if handler is None:
            return lambda_runtime.invoke(spec, event)
        return handler(event, lambda_runtime.LocalLambdaContext(spec))


_active: dict[str, LambdaRegistry | None] = {"registry": None}
_patched = {"done": False}


def install(registry: LambdaRegistry) -> None:
    """Route every Lambda invoke the emulator serves to ``registry`` (the latest installed)."""
    _active["registry"] = registry
    if _patched["done"]:
        return
    from moto.awslambda_simple.models import LambdaSimpleBackend

    def invoke(
        backend: Any,
        function_name: str,
        qualifier: str | None,
        body: Any,
        headers: Any,
        response_headers: Any,
    ) -> bytes:
        return dispatch(_active["registry"], function_name, body, response_headers)

    LambdaSimpleBackend.invoke = invoke  # type: ignore[method-assign,assignment]
    _patched["done"] = True


def dispatch(
    registry: LambdaRegistry | None, name_or_arn: str, body: Any, response_headers: Any
) -> bytes:
    """One Lambda invoke: the handler's result as JSON, or Lambda's unhandled-error shape."""
    name = function_name(name_or_arn)
    try:
        if registry is None or name not in registry:
            return _error(response_headers, NOT_FOUND, f"Function not found: {name_or_arn}", [])
        event = json.loads(body) if body else {}
        result = registry.invoke(name, event)
    except Exception as exc:  # noqa: BLE001 - Lambda reports any exception as a function error
        trace = traceback.format_exception(type(exc), exc, exc.__traceback__)
        return _error(response_headers, type(exc).__name__, str(exc), trace)
    return json.dumps(result).encode()


def _error(response_headers: Any, error_type: str, message: str, trace: list[str]) -> bytes:
    response_headers["x-amz-function-error"] = "Unhandled"
    payload = {"errorType": error_type, "errorMessage": message, "stackTrace": trace}
    return json.dumps(payload).encode()


# --- the state machines -------------------------------------------------------------------


def scaled(seconds: float, time_scale: float) -> int:
    """A positive ASL duration divided by the time scale, rounded up to a whole second."""
    if seconds <= 0:
        return 0
    return max(1, math.ceil(seconds / time_scale))


def scale_definition(definition: dict[str, Any], time_scale: float) -> dict[str, Any]:
    """A copy whose Waits and Retry intervals are ``time_scale`` times shorter."""
    scaled_copy = copy.deepcopy(definition)
    for state in scaled_copy.get("States", {}).values():
        if state.get("Type") == "Wait" and "Seconds" in state:
            state["Seconds"] = scaled(state["Seconds"], time_scale)
        for retrier in state.get("Retry", []):
            _scale_retrier(retrier, time_scale)
    return scaled_copy


def _scale_retrier(retrier: dict[str, Any], time_scale: float) -> None:
    interval = retrier.get("IntervalSeconds", 1)
    backoff = retrier.get("BackoffRate", 2.0)
    attempts = retrier.get("MaxAttempts", 3)
    longest = retrier.get("MaxDelaySeconds", interval * backoff ** max(0, attempts - 1))
    retrier["IntervalSeconds"] = scaled(interval, time_scale)
    if backoff > 1:
        retrier["MaxDelaySeconds"] = scaled(longest, time_scale)


def substitute(text: str, substitutions: dict[str, str]) -> str:
    for name, value in substitutions.items():
        text = text.replace("${" + name + "}", value)
    return text


def local_definition(
    machine: tpl.StateMachineSpec, registry: LambdaRegistry, time_scale: float
) -> str:
    """The machine's definition as the emulator runs it: local ARNs, scaled waits."""
    definition = scale_definition(json.loads(machine.definition.read_text()), time_scale)
    arns = {name: registry.arn_of(lid) for name, lid in machine.substitutions.items()}
    return substitute(json.dumps(definition), arns)


def create_state_machines(
    emulator: Any,
    time_scale: float,
    registry: LambdaRegistry | None = None,
    template: dict[str, Any] | None = None,
) -> dict[str, str]:
    """Create or update every state machine of the template in ``emulator`` (started), its
    tasks dispatched to ``registry`` (default: the template's handlers); logical id -> ARN."""
    template = template if template is not None else tpl.load()
    registry = registry if registry is not None else LambdaRegistry(template)
    install(registry)
    # moto's engine calls Lambda at localhost:$MOTO_PORT (moto.settings.moto_server_port)
    os.environ["MOTO_PORT"] = str(emulator.port)
    sfn = emulator.client("stepfunctions")
    existing = {m["name"]: m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"]}
    arns = {}
    for machine in tpl.state_machines(template, STAGE):
        definition = local_definition(machine, registry, time_scale)
        if machine.name in existing:
            arn = existing[machine.name]
            sfn.update_state_machine(stateMachineArn=arn, definition=definition, roleArn=ROLE_ARN)
        else:
            arn = sfn.create_state_machine(
                name=machine.name, definition=definition, roleArn=ROLE_ARN
            )["stateMachineArn"]
        arns[machine.logical_id] = arn
    return arns
