"""The real provision and decommission state machines on the emulator's own Step Functions
engine (a real moto server in execute mode, as the local platform runs it), every task
dispatched in-process to a scripted handler registered through the same registry the
platform's handlers go through: a result flows to the next state (the poll loop), a
``ProviderUnavailable`` raised once is retried and succeeds, a permanent failure is caught
into the rollback, which goes on past a failing rollback step, and the Waits are scaled."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections import defaultdict
from typing import Any

import pytest

from chalicelib.provisioning import rules
from chalicelib.provisioning.errors import CertificateRejected, ProviderUnavailable
from infrastructure.local import stepfunctions as sf
from infrastructure.local import template as tpl
from infrastructure.local.emulator import Emulator

TIME_SCALE = 60.0


class Script:
    """What each state's task does, by the ``state`` the machine passes (``$$.State.Name``):
    a queue of outcomes (a result, or an exception to raise), then ``{}`` for ever."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.outcomes: dict[str, list[Any]] = defaultdict(list)
        self.always: dict[str, Exception] = {}

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        self.calls.append(event)
        state = event["state"]
        if state in self.always:
            raise self.always[state]
        outcome = self.outcomes[state].pop(0) if self.outcomes[state] else {}
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def states(self) -> list[str]:
        return [call["state"] for call in self.calls]


class StepFunctionsOnly(Emulator):
    """The emulator without the stack: these tests need Step Functions and the Lambda
    dispatch only. moto's backends are per process, and an xdist worker that ran the
    functional tier holds that tier's stack already (same table names: a second deploy of
    the template would fail on them)."""

    def _deploy_stack(self) -> None:
        self.outputs, self.physical = {}, {}

    def _ensure_secrets(self) -> None:
        return


@pytest.fixture(scope="module")
def emulator():
    saved = os.environ.get("MOTO_PORT")
    running = StepFunctionsOnly(port=0)
    running.start()
    yield running
    running.stop()
    if saved is None:
        os.environ.pop("MOTO_PORT", None)
    else:
        os.environ["MOTO_PORT"] = saved


@pytest.fixture
def script() -> Script:
    return Script()


@pytest.fixture
def machines(emulator, script) -> dict[str, str]:
    # every task function of both machines runs the script (the registry's override)
    registry = sf.LambdaRegistry()
    for machine in tpl.state_machines(tpl.load()):
        for function in machine.substitutions.values():
            registry.override(function, script)
    return sf.create_state_machines(emulator, TIME_SCALE, registry)


def run(emulator: Emulator, arn: str) -> dict[str, Any]:
    """Start a named execution and wait for its end (a guard, not a time limit)."""
    sfn = emulator.client("stepfunctions")
    server = "srv_" + uuid.uuid4().hex[:8]
    started = sfn.start_execution(
        stateMachineArn=arn,
        name=f"{server}-test",
        input=json.dumps({"tenant_id": "ten_1", "server_id": server}),
    )
    for _ in range(1200):
        described = sfn.describe_execution(executionArn=started["executionArn"])
        if described["status"] != "RUNNING":
            return described
        time.sleep(0.1)
    raise AssertionError(f"execution {started['executionArn']} never ended")


def test_a_provisioning_runs_every_step_with_its_state_name_and_the_poll_result_loops(
    emulator, machines, script
):
    # given a VPS that is not ready at the first poll
    script.outcomes["PollVps"] = [{"ready": False, "polls": 1}, {"ready": True, "polls": 2}]
    # when the provision machine runs
    done = run(emulator, machines["ProvisionStateMachine"])
    # then it succeeded through every step in order, polling twice
    assert done["status"] == "SUCCEEDED", done
    expected = list(rules.PROVISION_STEPS)
    expected.remove("WaitForIp")
    expected[expected.index("CreateVps") + 1 : expected.index("CreateVps") + 1] = ["PollVps"] * 2
    assert script.states() == expected
    # each task got the execution's ids and its own state name, nothing more
    server = json.loads(done["input"])["server_id"]
    for call in script.calls:
        assert call == {"tenant_id": "ten_1", "server_id": server, "state": call["state"]}
    # and the poll's result reached the Choice through $.poll
    assert json.loads(done["output"])["poll"] == {"ready": True, "polls": 2}


def test_a_provider_unavailable_once_is_retried_and_the_provisioning_goes_on(
    emulator, machines, script
):
    script.outcomes["PollVps"] = [{"ready": True, "polls": 1}]
    script.outcomes["CreateVps"] = [ProviderUnavailable("hostwinds answered 503")]
    done = run(emulator, machines["ProvisionStateMachine"])
    assert done["status"] == "SUCCEEDED", done
    assert script.states().count("CreateVps") == 2
    assert "RecordFailure" not in script.states()


def test_a_permanent_failure_rolls_back_in_reverse_order_past_a_failing_rollback_step(
    emulator, machines, script
):
    # given a CA that refuses the order, and a DNS removal that fails too
    script.outcomes["PollVps"] = [{"ready": True, "polls": 1}]
    script.always["IssueCertificate"] = CertificateRejected("challenge failed")
    script.always["RollbackDns"] = RuntimeError("route53 said no")
    # when the provision machine runs
    done = run(emulator, machines["ProvisionStateMachine"])
    # then the certificate was tried once (no retry for a refusal) and caught
    assert done["status"] == "FAILED" and done["error"] == "ProvisioningFailed", done
    states = script.states()
    assert states.count("IssueCertificate") == 1
    failure = next(c for c in script.calls if c["state"] == "RecordFailure")
    assert failure["error"]["Error"] == "CertificateRejected"
    assert json.loads(failure["error"]["Cause"])["errorMessage"] == "challenge failed"
    # and every rollback step ran in order, the one after the failing one too
    rollback = states[states.index("RecordFailure") + 1 :]
    assert rollback == [*rules.ROLLBACK_STEPS, "NotifyRolledBack"]
    assert "HealthCheck" not in states


def test_a_decommission_runs_its_steps_in_order(emulator, machines, script):
    done = run(emulator, machines["DecommissionStateMachine"])
    assert done["status"] == "SUCCEEDED", done
    assert script.states() == [*rules.DECOMMISSION_STEPS, "Notify"]


def test_the_emulator_runs_the_waits_and_retries_scaled_down(emulator, machines):
    sfn = emulator.client("stepfunctions")
    created = sfn.describe_state_machine(stateMachineArn=machines["ProvisionStateMachine"])
    states = json.loads(created["definition"])["States"]
    assert states["WaitForIp"]["Seconds"] == 1  # 10 s / 60, rounded up
    retry = {r["ErrorEquals"][0]: r for r in states["ConfigureServer"]["Retry"]}
    assert retry["ServerNotReady"]["IntervalSeconds"] == 1  # 15 s / 60
    assert retry["ServerNotReady"]["MaxAttempts"] == 40
    assert retry["ProviderUnavailable"]["MaxDelaySeconds"] == 1  # 5 s * 2**3 / 60
    assert states["ConfigureServer"]["Resource"].endswith(
        ":function:penguinmails-local-provisioning-configure-server"
    )


def test_creating_the_state_machines_again_updates_them(emulator, machines, script):
    again = sf.create_state_machines(emulator, 1.0, sf.LambdaRegistry())
    assert again == machines
    sfn = emulator.client("stepfunctions")
    listed = [m["name"] for m in sfn.list_state_machines()["stateMachines"]]
    assert sorted(listed) == [
        "penguinmails-local-decommission",
        "penguinmails-local-provision",
        "penguinmails-local-warmup",
    ]
    created = sfn.describe_state_machine(stateMachineArn=machines["ProvisionStateMachine"])
    assert json.loads(created["definition"])["States"]["WaitForIp"]["Seconds"] == 10
