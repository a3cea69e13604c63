"""The servers routes over the emulator: a provisioning request is checked (fields named,
the plan's limits at once, the domain free), saved, and its named execution started on Step
Functions; the same request again is the same server and the same execution; reads are the
tenant's own; decommission starts its own named execution."""

from __future__ import annotations

import json
import secrets

import boto3
import pytest

from chalicelib.core import wiring
from chalicelib.provisioning.workflow import StepFunctionsWorkflow

TAG = secrets.token_hex(3)  # this run's domains are its own
DEFINITION = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})


@pytest.fixture
def machines(aws):
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    role = "arn:aws:iam::123456789012:role/sfn"
    arns = {
        name: sfn.create_state_machine(
            name=f"{name}-{id(aws)}", definition=DEFINITION, roleArn=role
        )["stateMachineArn"]
        if not _existing(sfn, f"{name}-{id(aws)}")
        else _existing(sfn, f"{name}-{id(aws)}")
        for name in ("provision", "decommission")
    }
    wiring.override("provisioning.workflow", StepFunctionsWorkflow(sfn, arns))
    return sfn, arns


def _existing(sfn, name: str) -> str | None:
    for machine in sfn.list_state_machines()["stateMachines"]:
        if machine["name"] == name:
            return str(machine["stateMachineArn"])
    return None


def body(domain: str = "acme-agency.test", **extra):
    return {
        "region": "us-east",
        "size": "small",
        "domain": domain,
        "dns_provider": "route53",
        "mailboxes": [{"local_part": "anna"}, {"local_part": "ben", "display_name": "Ben"}],
        **extra,
    }


def executions(sfn, arn: str) -> list[str]:
    return [e["name"] for e in sfn.list_executions(stateMachineArn=arn)["executions"]]


def test_a_request_starts_one_named_execution_and_again_is_the_same_server(api, machines):
    sfn, arns = machines
    _, key = api.new_tenant("professional")
    domain = f"acme-{TAG}.test"
    first = api.call("POST", "/v1/servers", key, body(domain))
    assert first.status_code == 201, first.data
    server = first.data
    assert server["status"] == "provisioning" and server["hostname"] == f"mail.{domain}"
    assert [s["name"] for s in server["steps"]][:3] == ["ValidateQuota", "CreateVps", "WaitForIp"]
    assert {s["status"] for s in server["steps"]} == {"pending"}
    again = api.call("POST", "/v1/servers", key, body(domain))
    assert again.status_code == 200 and again.data["id"] == server["id"]
    assert executions(sfn, arns["provision"]).count(f"{server['id']}-provision") == 1
    other = api.call("POST", "/v1/servers", key, body(domain, size="large"))
    assert other.status_code == 409
    listed = api.call("GET", "/v1/servers", key)
    assert [s["id"] for s in listed.data["items"]] == [server["id"]]


def test_another_tenants_server_is_a_404(api, machines):
    _, key = api.new_tenant("professional")
    _, stranger = api.new_tenant("professional")
    server = api.call("POST", "/v1/servers", key, body(f"own-{TAG}.test")).data
    assert api.call("GET", f"/v1/servers/{server['id']}", stranger).status_code == 404
    assert api.call("DELETE", f"/v1/servers/{server['id']}", stranger).status_code == 404
    assert api.call("GET", "/v1/servers/srv_0000000000000000", key).status_code == 404
    assert api.call("GET", "/v1/servers/nope", key).status_code == 404


def test_the_plan_limits_servers_at_once(api, machines):
    _, key = api.new_tenant("professional")  # 3 servers
    for n in range(3):
        domain = f"s{n}-{TAG}.test"
        assert api.call("POST", "/v1/servers", key, body(domain)).status_code == 201
    fourth = api.call("POST", "/v1/servers", key, body(f"s3-{TAG}.test"))
    assert fourth.status_code == 403
    assert fourth.data["error"]["details"]["limit"] == 3


def test_a_server_still_provisioning_cannot_be_decommissioned(api, machines):
    _, key = api.new_tenant("professional")
    created = api.call("POST", "/v1/servers", key, body(f"d-{TAG}.test"))
    assert created.status_code == 201, created.data
    server = created.data
    reply = api.call("DELETE", f"/v1/servers/{server['id']}", key)
    assert reply.status_code == 409
    assert reply.data["error"]["details"]["status"] == "provisioning"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"domain": "not a domain"}, "domain"),
        ({"domain": "localhost"}, "domain"),
        ({"mailboxes": []}, "mailboxes"),
        ({"mailboxes": [{"local_part": "a\r\nb"}]}, "mailboxes"),
        ({"mailboxes": [{"local_part": "a"}, {"local_part": "a"}]}, "mailboxes"),
        ({"dns_provider": "godaddy"}, "dns_provider"),
        ({"region": 7}, "region"),
        ({"warmup_plan": "turbo"}, "warmup_plan"),
        ({"extra": 1}, "extra"),
    ],
)
def test_bad_requests_name_the_field(api, machines, change, field):
    _, key = api.new_tenant("professional")
    reply = api.call("POST", "/v1/servers", key, {**body(), **change})
    assert reply.status_code in (400, 422), reply.data
    assert field in json.dumps(reply.data["error"]), reply.data


def test_malformed_json_is_a_400(api, machines):
    _, key = api.new_tenant("professional")
    reply = api.call("POST", "/v1/servers", key, raw="{not json")
    assert reply.status_code == 400
