"""Functional tier: routes through ``chalice.test.Client``, functions through sample events,
AWS through moto in-process. The stack comes from ``infrastructure/template.yaml`` itself."""

from __future__ import annotations

import json
import os
import secrets

import boto3
import pytest
from moto import mock_aws

from infrastructure.local import template as tpl
from tests.functional.reply_contract import check_reply

STACK = "penguinmails-functional"
ADMIN_KEY = "admin-" + secrets.token_urlsafe(24)
TRACKING_KEYS = json.dumps(
    {"current": "k2", "keys": {"k1": "old-" + "a" * 40, "k2": secrets.token_urlsafe(36)}}
)


def _deploy(region: str) -> dict[str, str]:
    cfn = boto3.client("cloudformation", region_name=region)
    cfn.create_stack(
        StackName=STACK,
        TemplateBody=tpl.TEMPLATE.read_text(),
        Parameters=[{"ParameterKey": "Stage", "ParameterValue": "local"}],
    )
    outputs = {
        o["OutputKey"]: o["OutputValue"]
        for o in cfn.describe_stacks(StackName=STACK)["Stacks"][0]["Outputs"]
    }
    sm = boto3.client("secretsmanager", region_name=region)
    for name, value in (
        ("penguinmails/local/admin-key", ADMIN_KEY),
        ("penguinmails/local/notify-smtp-password", "relay-password"),
        ("penguinmails/local/tracking-keys", TRACKING_KEYS),
    ):
        sm.create_secret(Name=name, SecretString=value)
    outputs["AdminKeySecret"] = "penguinmails/local/admin-key"
    outputs["NotifySmtpSecret"] = "penguinmails/local/notify-smtp-password"
    outputs["TrackingKeysSecret"] = "penguinmails/local/tracking-keys"
    # the state machines are deployed-stage resources (the local platform makes its own):
    # here they are recorded, not run, so a provisioning request has somewhere to start
    sfn = boto3.client("stepfunctions", region_name=region)
    definition = '{"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}'
    for name in ("Provision", "Decommission"):
        outputs[f"{name}StateMachineArn"] = sfn.create_state_machine(
            name=f"penguinmails-local-{name.lower()}",
            definition=definition,
            roleArn="arn:aws:iam::123456789012:role/penguinmails-local-states",
        )["stateMachineArn"]
    return outputs


def environment(outputs: dict[str, str]) -> dict[str, str]:
    from chalicelib.core.resources import environment as from_outputs

    return {
        **from_outputs(outputs),
        "PM_STAGE": "local",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "PM_NOTIFY_SMTP_USERNAME": "notifications@penguinmails.local",
        "PM_RETRY_SCALE": "0",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }


@pytest.fixture(scope="session")
def _aws_session():
    """One moto account with the template's stack for the whole tier. Tests stay apart the
    way tenants do: each creates its own tenants (every key is tenant-led)."""
    from chalicelib.core import wiring

    saved = dict(os.environ)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    from infrastructure.local import moto_patches

    moto_patches.apply()  # the local platform's emulator, as fast at any table size
    with mock_aws():
        outputs = _deploy("us-east-1")
        os.environ.update(environment(outputs))
        wiring.reset()
        yield outputs
    os.environ.clear()
    os.environ.update(saved)
    wiring.reset()


@pytest.fixture(scope="session")
def _boto3_session(_aws_session):
    """One boto3 session for the tier: a fresh one per test loaded every service's model
    files again (about 0.1 s a test, a sixth of the tier's time in the isolation tests)."""
    import boto3

    return boto3.session.Session(region_name="us-east-1")


@pytest.fixture
def aws(_aws_session, _boto3_session):
    """The stack's outputs, with every dependency rebuilt fresh (no override leaks); the
    clients are new, built from the tier's one session."""
    from chalicelib.core import wiring

    wiring.reset()
    wiring.override("aws.session", _boto3_session)
    yield _aws_session
    wiring.reset()


@pytest.fixture
def client(aws):
    from chalice.test import Client

    from app import app

    with Client(app, stage_name="local") as test_client:
        yield test_client


def _parsed(reply):
    """A JSON body parsed; a text body (a CSV download) as text; nothing else."""
    kind = reply.headers.get("Content-Type", "application/json")
    if not reply.body:
        return None
    if kind.startswith("text/"):
        return reply.body.decode("utf-8")
    return json.loads(reply.body)


class Api:
    """Small helper: JSON requests with a bearer key. Every reply is held to its route's
    declared reply model (or the error envelope), strictly: ``reply_contract``."""

    def __init__(self, client) -> None:
        self.client = client

    def call(
        self, method: str, path: str, key: str | None = None, body=None, raw=None, headers=None
    ):
        sent = {"Content-Type": "application/json", **(headers or {})}
        if key is not None:
            sent["Authorization"] = f"Bearer {key}"
        payload = raw if raw is not None else (json.dumps(body) if body is not None else None)
        reply = self.client.http.request(method, path, headers=sent, body=payload)
        reply.data = _parsed(reply)
        check_reply(method, path, reply.status_code, reply.data)
        return reply

    def new_tenant(self, plan: str = "professional", **extra):
        reply = self.call(
            "POST",
            "/v1/tenants",
            ADMIN_KEY,
            {"name": f"Tenant {os.urandom(2).hex()}", "plan": plan, **extra},
        )
        assert reply.status_code == 201, reply.data
        return reply.data["tenant"], reply.data["api_key"]["key"]


@pytest.fixture
def api(client):
    return Api(client)


@pytest.fixture
def sending(api, aws):
    from tests.functional.worlds import sending_world

    return sending_world(api)
