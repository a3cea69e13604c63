"""Our own checks of the state machines, beyond cfn-lint's ASL schema (``validate.sh`` runs
both): the graph (targets exist, every state reachable, no dead end), the tie to the template
(each task's ``${...}`` placeholder is a DefinitionSubstitution naming a function whose handler
exists in the machine's handlers module, each state machine role invokes exactly those
functions, a task waits longer than its function may run), the error names (Retry and Catch
name the machine's error classes or ``States.``/``Lambda.`` errors, no error twice in one
task's Retry), the rollback (provision: every task up to ``Ready`` catches into
``RecordFailure``; a rollback task's Catch goes on to its next step), and the state names and
their order (``chalicelib.provisioning.rules``; the warm-up's ``chalicelib.warmup.day``).

What differs per machine (handlers, error classes, the ids every task gets, the steps) is its
``MachineRules`` in ``RULES``, by definition file stem.

Run: ``python -m infrastructure.deploy.asl_checks`` (every state machine of the template);
exits 1 and prints each problem otherwise.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chalicelib.provisioning import rules
from chalicelib.warmup import day
from infrastructure.local import template as tpl

ROOT = Path(__file__).resolve().parents[2]
HANDLERS_MODULE = "functions.provisioning"
PLACEHOLDER = re.compile(r"^\$\{([A-Za-z0-9_]+)\}$")
BUILTIN_ERROR = re.compile(r"^(States|Lambda)\.[A-Za-z]+$")
TERMINAL = {"Succeed", "Fail"}
ROLLBACK_START = "RecordFailure"
LAST_ROLLED_BACK_STEP = "Ready"  # after it the server stands: a failure must not tear it down
CATCH_ALL = "States.ALL"
State = dict[str, Any]


@dataclass(frozen=True)
class MachineRules:
    """What one state machine's tasks must follow."""

    handlers: str  # the module of its task handlers
    errors: str  # the module whose exception classes name the errors it retries or catches
    ids: tuple[str, ...]  # what every task gets from the execution's input (``x.$: $.x``)
    chains: tuple[tuple[str, tuple[str, ...], str | None], ...]  # (label, steps, first)
    helpers: frozenset[str]  # its states beside the steps
    rollback: bool = False


PROVISION_IDS = ("tenant_id", "server_id")
RULES = {
    "provision": MachineRules(
        HANDLERS_MODULE,
        "chalicelib.provisioning.errors",
        PROVISION_IDS,
        (
            ("rules.PROVISION_STEPS", rules.PROVISION_STEPS, None),
            ("rules.ROLLBACK_STEPS", rules.ROLLBACK_STEPS, ROLLBACK_START),
        ),
        frozenset(
            {"PollVps", "IpReady", "RecordFailure", "NotifyRolledBack", "ProvisioningFailed"}
        ),
        rollback=True,
    ),
    "decommission": MachineRules(
        HANDLERS_MODULE,
        "chalicelib.provisioning.errors",
        PROVISION_IDS,
        (("rules.DECOMMISSION_STEPS", rules.DECOMMISSION_STEPS, None),),
        frozenset({"Notify"}),
    ),
    "warmup": MachineRules(
        "functions.warmup",
        "chalicelib.warmup.day",
        ("tenant_id", "mailbox_id", "run"),
        (("day.DAY_STEPS", day.DAY_STEPS, None),),
        frozenset(day.HELPERS),
    ),
}
HELPERS = {stem: set(r.helpers) for stem, r in RULES.items()}


def error_names(module: str = "chalicelib.provisioning.errors") -> set[str]:
    """The error names tasks raise: the class names of ``module``'s exceptions."""
    return {
        name
        for name, value in vars(importlib.import_module(module)).items()
        if inspect.isclass(value) and issubclass(value, Exception)
    }


def handlers(module: str = HANDLERS_MODULE) -> set[str]:
    """The handler functions ``module`` defines (read, not imported)."""
    path = ROOT / Path(*module.split(".")).with_suffix(".py")
    tree = ast.parse(path.read_text())
    return {
        n.name for n in tree.body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")
    }


# --- the graph ----------------------------------------------------------------------------


def targets(state: State) -> Iterator[str]:
    """Every state ``state`` may go to next."""
    if "Next" in state:
        yield state["Next"]
    if "Default" in state:
        yield state["Default"]
    for choice in state.get("Choices", []):
        yield choice["Next"]
    for catcher in state.get("Catch", []):
        yield catcher["Next"]


def graph_problems(definition: dict[str, Any]) -> list[str]:
    states: dict[str, State] = definition.get("States", {})
    problems = []
    if definition.get("StartAt") not in states:
        problems.append(f"StartAt {definition.get('StartAt')!r} is no state")
    for name, state in states.items():
        problems += [
            f"{name}: goes to {t!r}, no such state" for t in targets(state) if t not in states
        ]
        ends = state["Type"] in TERMINAL or state.get("End") is True
        goes_on = "Next" in state or (state["Type"] == "Choice" and "Default" in state)
        if not ends and not goes_on:
            problems.append(f"{name}: a dead end (no Next, no End)")
        if ends and "Next" in state:
            problems.append(f"{name}: has both End and Next")
    unreachable = set(states) - reachable(definition)
    problems += [f"{name}: unreachable from StartAt" for name in sorted(unreachable)]
    return problems


def reachable(definition: dict[str, Any]) -> set[str]:
    states: dict[str, State] = definition.get("States", {})
    seen, todo = set(), [definition.get("StartAt")]
    while todo:
        name = todo.pop()
        if name in seen or name not in states:
            continue
        seen.add(name)
        todo.extend(targets(states[name]))
    return seen


def main_path(definition: dict[str, Any], start: str) -> list[str]:
    """The states from ``start`` following ``Next`` (a Choice: its first choice), no loops."""
    states: dict[str, State] = definition.get("States", {})
    path: list[str] = []
    name: str | None = start
    while name in states and name not in path:
        path.append(name)
        state = states[name]
        choices = state.get("Choices") or [{}]
        name = state.get("Next") or choices[0].get("Next")
    return path


# --- tasks against the template -----------------------------------------------------------


def tasks(definition: dict[str, Any]) -> dict[str, State]:
    return {n: s for n, s in definition.get("States", {}).items() if s["Type"] == "Task"}


def task_problems(
    definition: dict[str, Any],
    machine: tpl.StateMachineSpec,
    template: dict[str, Any],
    rules_of: MachineRules = RULES["provision"],
) -> list[str]:
    """Resources, parameters, timeouts, Retry and Catch error names of every task."""
    functions = tpl.functions(template)
    known, problems = error_names(rules_of.errors), []
    defined = handlers(rules_of.handlers)
    for name, state in tasks(definition).items():
        match = PLACEHOLDER.match(str(state.get("Resource", "")))
        if not match:
            problems.append(f"{name}: Resource must be a ${{...FunctionArn}} placeholder")
            continue
        function_id = machine.substitutions.get(match.group(1))
        if function_id not in functions:
            problems.append(f"{name}: {match.group(1)} is no DefinitionSubstitution of a function")
            continue
        spec = functions[function_id]
        module, _, handler = spec.handler.rpartition(".")
        if module != rules_of.handlers or handler not in defined:
            problems.append(
                f"{name}: {function_id} runs {spec.handler}, not a {rules_of.handlers} handler"
            )
        problems += _parameter_problems(name, state, rules_of.ids)
        timeout = state.get("TimeoutSeconds")
        if not isinstance(timeout, int) or timeout <= spec.timeout:
            problems.append(f"{name}: TimeoutSeconds must exceed {function_id}'s {spec.timeout} s")
        problems += _retry_problems(name, state, known)
    return problems


def _parameter_problems(name: str, state: State, ids: tuple[str, ...]) -> list[str]:
    parameters = state.get("Parameters") or {}
    wanted = {f"{i}.$": f"$.{i}" for i in ids}
    problems = [
        f"{name}: Parameters lack {k}: {v}" for k, v in wanted.items() if parameters.get(k) != v
    ]
    if parameters.get("state.$") != "$$.State.Name" and parameters.get("state") != name:
        problems.append(f"{name}: Parameters must give its state name (state.$: $$.State.Name)")
    return problems


def _retry_problems(name: str, state: State, known: set[str]) -> list[str]:
    problems, seen = [], set()
    for retrier in state.get("Retry", []):
        for error in retrier.get("ErrorEquals", []):
            if error not in known and not BUILTIN_ERROR.match(error):
                problems.append(f"{name}: Retry on {error!r}, no error class of errors.py")
            if error in seen:
                problems.append(f"{name}: {error!r} is in two of its Retry entries")
            seen.add(error)
    for catcher in state.get("Catch", []):
        problems += [
            f"{name}: Catch on {error!r}, no error class of the machine's errors"
            for error in catcher.get("ErrorEquals", [])
            if error not in known and not BUILTIN_ERROR.match(error)
        ]
    return problems


def role_problems(machines: list[tpl.StateMachineSpec], template: dict[str, Any]) -> list[str]:
    """Each state machine role may invoke exactly the functions its machines' tasks call."""
    resources, problems = template["Resources"], []
    by_role: dict[str, set[str]] = {}
    for machine in machines:
        role = tpl.target(resources[machine.logical_id]["Properties"]["RoleArn"])
        by_role.setdefault(role, set()).update(machine.substitutions.values())
    for role, wanted in sorted(by_role.items()):
        allowed = {
            tpl.target(resource)
            for policy in resources[role]["Properties"].get("Policies", [])
            for statement in policy["PolicyDocument"]["Statement"]
            if statement.get("Action") in ("lambda:InvokeFunction", ["lambda:InvokeFunction"])
            for resource in _as_list(statement["Resource"])
        }
        if allowed != wanted:
            problems.append(
                f"{role} invokes {sorted(allowed - wanted)} beyond its machines' tasks and "
                f"misses {sorted(wanted - allowed)}"
            )
    return problems


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# --- rollback, names and order ------------------------------------------------------------


def rollback_problems(definition: dict[str, Any]) -> list[str]:
    """Provisioning tasks up to Ready catch everything into RecordFailure, later ones do not;
    a rollback task's Catch goes on to its Next (the rollback never stops)."""
    problems = []
    rollback = set(main_path(definition, ROLLBACK_START))
    steps = list(rules.PROVISION_STEPS)
    until_ready = set(steps[: steps.index(LAST_ROLLED_BACK_STEP) + 1]) | {"PollVps"}
    for name, state in tasks(definition).items():
        catches = {c["Next"]: c["ErrorEquals"] for c in state.get("Catch", [])}
        if name in rollback:
            if catches.get(state.get("Next", "")) != [CATCH_ALL]:
                problems.append(f"{name}: a rollback task must catch {CATCH_ALL} into its Next")
        elif name in until_ready and catches.get(ROLLBACK_START) != [CATCH_ALL]:
            problems.append(f"{name}: must catch {CATCH_ALL} into {ROLLBACK_START}")
        elif name not in until_ready and ROLLBACK_START in catches:
            problems.append(f"{name}: comes after {LAST_ROLLED_BACK_STEP}, must not roll back")
    return problems


def name_problems(stem: str, definition: dict[str, Any]) -> list[str]:
    """The machine's states are its steps plus its helpers, in its steps' order."""
    if stem not in RULES:
        return [f"{stem}: no rules for this state machine (asl_checks.RULES)"]
    rules_of = RULES[stem]
    states = set(definition.get("States", {}))
    start = definition.get("StartAt", "")
    steps = {s for _, chain, _ in rules_of.chains for s in chain}
    problems = []
    expected = steps | rules_of.helpers
    if states != expected:
        problems.append(
            f"states {sorted(states - expected)} are not in rules.py, "
            f"{sorted(expected - states)} are missing"
        )
    for label, chain, first in rules_of.chains:
        found = [s for s in main_path(definition, first or start) if s in set(chain)]
        if found != list(chain):
            problems.append(f"the states run in the order {found}, {label} says {list(chain)}")
    return problems


# --- all of it ----------------------------------------------------------------------------


def check_machine(
    machine: tpl.StateMachineSpec, template: dict[str, Any], definition: dict[str, Any]
) -> list[str]:
    stem = machine.definition.name.removesuffix(".asl.json")
    rules_of = RULES.get(stem)
    problems = graph_problems(definition) + name_problems(stem, definition)
    if rules_of is not None:
        problems += task_problems(definition, machine, template, rules_of)
        if rules_of.rollback:
            problems += rollback_problems(definition)
    unused = set(machine.substitutions) - {
        m.group(1) for s in tasks(definition).values() if (m := PLACEHOLDER.match(s["Resource"]))
    }
    problems += [f"DefinitionSubstitutions {name} is used by no task" for name in sorted(unused)]
    return [f"{machine.definition.name}: {p}" for p in problems]


def check(template: dict[str, Any]) -> list[str]:
    machines = tpl.state_machines(template)
    problems = [] if machines else ["the template has no state machine"]
    for machine in machines:
        try:
            definition = json.loads(machine.definition.read_text())
        except (OSError, ValueError) as exc:
            problems.append(f"{machine.logical_id}: cannot read {machine.definition}: {exc}")
            continue
        problems += check_machine(machine, template, definition)
    return problems + role_problems(machines, template)


def main() -> int:
    problems = check(tpl.load())
    for problem in problems:
        print(f"FAIL {problem}", file=sys.stderr)
    if not problems:
        print(f"state machines: {len(tpl.state_machines(tpl.load()))} checked, no problem")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
