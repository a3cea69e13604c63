"""Reads ``infrastructure/template.yaml`` for what the emulator cannot run by itself:
which handler each event source mapping and schedule invokes, with its settings, and the
state machines with the functions their tasks call (``infrastructure/statemachines``).

The template is the one list of resources; nothing here names a queue, stream or
function by hand.
"""

from __future__ import annotations

import copy
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

TEMPLATE = Path(__file__).resolve().parents[1] / "template.yaml"
STATEMACHINES = TEMPLATE.parent / "statemachines"
DEFINITIONS_PREFIX = "${StateMachinesPrefix}"  # the Key of a DefinitionS3Location, before the file


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    handler: str
    timeout: int


@dataclass(frozen=True)
class MappingSpec:
    logical_id: str
    source_logical_id: str
    source_type: str  # AWS::SQS::Queue | AWS::Kinesis::Stream | AWS::DynamoDB::Table (stream)
    function: FunctionSpec
    batch_size: int
    report_failures: bool
    starting_position: str
    max_retries: int  # -1: until it succeeds (or the record expires)


@dataclass(frozen=True)
class ScheduleSpec:
    logical_id: str
    expression: str
    function: FunctionSpec
    local_every: float | None = None  # the rule's ``Metadata: {LocalEverySeconds: n}``

    @property
    def rate_seconds(self) -> int:
        match = re.fullmatch(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)", self.expression)
        if not match:
            raise ValueError(
                f"{self.logical_id}: only rate() schedules run locally, got {self.expression!r}"
            )
        unit = {"minute": 60, "hour": 3600, "day": 86400}[match.group(2).rstrip("s")]
        return int(match.group(1)) * unit


@dataclass(frozen=True)
class StateMachineSpec:
    logical_id: str
    name: str  # ``StateMachineName`` for the stage
    definition: Path  # its ``.asl.json`` in infrastructure/statemachines
    substitutions: dict[str, str]  # DefinitionSubstitutions: placeholder -> function logical id


def load(path: Path = TEMPLATE) -> dict[str, Any]:
    """The template as data: parsed once per file content (libyaml when present: the pure
    Python parser takes seconds on this template, and the platform, its tests and the deploy
    checks read it many times), a fresh copy each call (callers may change theirs)."""
    return copy.deepcopy(_parsed(path.read_text()))


@functools.lru_cache(maxsize=4)
def _parsed(text: str) -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader, C or Python


def target(value: Any) -> str:
    """The logical id behind ``{Ref: X}`` or ``{Fn::GetAtt: [X, Arn]}``."""
    if isinstance(value, dict) and "Ref" in value:
        return value["Ref"]
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return value["Fn::GetAtt"][0]
    raise ValueError(f"cannot resolve {value!r} to a resource")


def functions(template: dict[str, Any]) -> dict[str, FunctionSpec]:
    return {
        lid: FunctionSpec(lid, r["Properties"]["Handler"], int(r["Properties"].get("Timeout", 3)))
        for lid, r in template["Resources"].items()
        if r["Type"] == "AWS::Lambda::Function"
    }


def mappings(template: dict[str, Any]) -> list[MappingSpec]:
    resources, fns = template["Resources"], functions(template)
    found = []
    for lid, r in resources.items():
        if r["Type"] != "AWS::Lambda::EventSourceMapping":
            continue
        p = r["Properties"]
        source = target(p["EventSourceArn"])
        found.append(
            MappingSpec(
                logical_id=lid,
                source_logical_id=source,
                source_type=resources[source]["Type"],
                function=fns[target(p["FunctionName"])],
                batch_size=int(p.get("BatchSize", 10)),
                report_failures="ReportBatchItemFailures" in p.get("FunctionResponseTypes", []),
                starting_position=p.get("StartingPosition", "LATEST"),
                max_retries=int(p.get("MaximumRetryAttempts", 10)),
            )
        )
    return found


def schedules(template: dict[str, Any]) -> list[ScheduleSpec]:
    fns = functions(template)
    return [
        ScheduleSpec(
            lid,
            r["Properties"]["ScheduleExpression"],
            fns[target(t["Arn"])],
            _local_every(r),
        )
        for lid, r in template["Resources"].items()
        if r["Type"] == "AWS::Events::Rule" and "ScheduleExpression" in r["Properties"]
        for t in r["Properties"].get("Targets", [])
    ]


def _local_every(resource: dict[str, Any]) -> float | None:
    """A schedule's own local period, when its ``Metadata`` sets one (a period that must not
    follow the platform's time scale: the campaign scheduler's every 2 s)."""
    value = (resource.get("Metadata") or {}).get("LocalEverySeconds")
    return float(value) if value is not None else None


def queue_names(template: dict[str, Any]) -> dict[str, str]:
    """Every queue's logical id → its name (``QueueName`` after ``penguinmails-${Stage}-``,
    without a FIFO queue's ``.fifo``)."""
    found = {}
    for lid, r in template["Resources"].items():
        if r["Type"] == "AWS::SQS::Queue":
            name = r["Properties"]["QueueName"]
            name = name["Fn::Sub"] if isinstance(name, dict) else name
            found[lid] = name.removeprefix("penguinmails-${Stage}-").removesuffix(".fifo")
    return found


def dead_letter_sources(template: dict[str, Any]) -> dict[str, str | None]:
    """Every queue's name → the name of the queue whose ``RedrivePolicy`` sends to it (None
    for a queue that is no queue's dead-letter target)."""
    names = queue_names(template)
    sources: dict[str, str | None] = dict.fromkeys(names.values())
    for lid, r in template["Resources"].items():
        policy = r.get("Properties", {}).get("RedrivePolicy") if lid in names else None
        if policy:
            sources[names[target(policy["deadLetterTargetArn"])]] = names[lid]
    return sources


def handler_lookups(template: dict[str, Any]) -> list[str]:
    """Every ``module.function`` the template names as a handler."""
    return sorted({f.handler for f in functions(template).values()})


def sub(value: Any, stage: str = "local") -> str:
    """A name the template writes as ``{Fn::Sub: "penguinmails-${Stage}-..."}``, for ``stage``."""
    text = value["Fn::Sub"] if isinstance(value, dict) else value
    return str(text).replace("${Stage}", stage)


def function_names(template: dict[str, Any], stage: str = "local") -> dict[str, str]:
    """Every function's logical id -> its ``FunctionName`` for ``stage``."""
    return {
        lid: sub(r["Properties"].get("FunctionName", lid), stage)
        for lid, r in template["Resources"].items()
        if r["Type"] == "AWS::Lambda::Function"
    }


def state_machines(template: dict[str, Any], stage: str = "local") -> list[StateMachineSpec]:
    """Every state machine: its name, its definition file (the ``DefinitionS3Location`` key
    after ``${StateMachinesPrefix}``: the deploy uploads that file there) and which function
    each placeholder of the definition is."""
    found = []
    for lid, r in template["Resources"].items():
        if r["Type"] != "AWS::StepFunctions::StateMachine":
            continue
        p = r["Properties"]
        key = sub(p["DefinitionS3Location"]["Key"], stage)
        if not key.startswith(DEFINITIONS_PREFIX):
            raise ValueError(f"{lid}: its definition key must start with {DEFINITIONS_PREFIX}")
        found.append(
            StateMachineSpec(
                logical_id=lid,
                name=sub(p.get("StateMachineName", lid), stage),
                definition=STATEMACHINES / key.removeprefix(DEFINITIONS_PREFIX),
                substitutions={
                    name: target(value)
                    for name, value in (p.get("DefinitionSubstitutions") or {}).items()
                },
            )
        )
    return found
