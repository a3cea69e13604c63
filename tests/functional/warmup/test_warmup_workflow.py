"""The warm-up's runs on Step Functions (``StepFunctionsWorkflow`` over the emulator): start
starts the execution ``<mailbox>-r1``, a resume the next run's, stop stops the running one;
starting a run again is no second execution."""

from __future__ import annotations

import json

import boto3
import pytest

from chalicelib.core import wiring
from chalicelib.warmup.workflow import StepFunctionsWorkflow, execution_name
from tests.fakes.probe import FakeProber
from tests.functional.warmup.test_warmup_api import _tenant_mailbox, _url

WAITS = json.dumps(
    {
        "StartAt": "Wait",
        "States": {
            "Wait": {"Type": "Wait", "Seconds": 86400, "Next": "Done"},
            "Done": {"Type": "Succeed"},
        },
    }
)


@pytest.fixture
def machine(aws):
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    name = f"warmup-{id(aws)}"
    found = [m for m in sfn.list_state_machines()["stateMachines"] if m["name"] == name]
    arn = (
        found[0]["stateMachineArn"]
        if found
        else sfn.create_state_machine(
            name=name, definition=WAITS, roleArn="arn:aws:iam::123456789012:role/sfn"
        )["stateMachineArn"]
    )
    wiring.override("mailboxes.probe", FakeProber())
    wiring.override("warmup.workflow", StepFunctionsWorkflow(sfn, arn))
    return sfn, arn


def runs(sfn, arn: str, mailbox_id: str) -> dict[str, str]:
    listed = sfn.list_executions(stateMachineArn=arn)["executions"]
    return {e["name"]: e["status"] for e in listed if e["name"].startswith(mailbox_id)}


def test_start_resume_and_stop_drive_one_named_execution_per_run(api, machine):
    sfn, arn = machine
    tenant_id, key, mbx = _tenant_mailbox(api)
    # start: run 1
    assert api.call("POST", _url(mbx), key, {"plan": "standard"}).status_code == 201
    assert list(runs(sfn, arn, mbx)) == [f"{mbx}-r1"]
    started = sfn.describe_execution(
        executionArn=arn.replace(":stateMachine:", ":execution:") + f":{mbx}-r1"
    )
    assert json.loads(started["input"]) == {"tenant_id": tenant_id, "mailbox_id": mbx, "run": 1}
    # pause, resume: run 2
    assert api.call("POST", _url(mbx, "pause"), key).status_code == 200
    assert api.call("POST", _url(mbx, "resume"), key).status_code == 200
    assert set(runs(sfn, arn, mbx)) == {f"{mbx}-r1", f"{mbx}-r2"}
    # stop: run 2's execution is stopped
    assert api.call("POST", _url(mbx, "stop"), key).status_code == 200
    assert runs(sfn, arn, mbx)[f"{mbx}-r2"] == "ABORTED"


def test_starting_the_same_run_again_starts_no_second_execution(api, machine):
    from chalicelib.warmup.wiring import store

    sfn, arn = machine
    tenant_id, key, mbx = _tenant_mailbox(api)
    assert api.call("POST", _url(mbx), key, {"plan": "standard"}).status_code == 201
    warmup = store().get(tenant_id, mbx)
    assert warmup is not None
    StepFunctionsWorkflow(sfn, arn).start(warmup)
    assert list(runs(sfn, arn, mbx)) == [execution_name(warmup)]


def test_the_warmup_started_for_the_platform_is_idempotent(api, machine):
    from chalicelib.warmup import start_warmup

    sfn, arn = machine
    tenant_id, _, mbx = _tenant_mailbox(api)
    assert start_warmup(tenant_id, mbx, "standard") == "started"
    assert start_warmup(tenant_id, mbx, "standard") == "already_warming"
    assert list(runs(sfn, arn, mbx)) == [f"{mbx}-r1"]
