"""The deploy's AWS steps against moto (in-process, no network): the real template deployed
once as a ``dev`` stack for this module, then left alone when nothing changed and updated when
the artifact did; its outputs feed the API's environment; its SQS mapping gets partial batch
failures switched on, once. Each test holds whatever order it runs in."""

from __future__ import annotations

import io
import uuid
import zipfile
from pathlib import Path

import boto3
import pytest
import yaml
from moto import mock_aws

from infrastructure.deploy import cloud
from infrastructure.deploy import deploy as d

REGION = "us-east-1"
BUCKET = "penguinmails-artifacts-123456789012-us-east-1"
STACK = "penguinmails-dev"
# moto keeps only the parameters given at create, so UsePreviousValue works there only for
# those: the first deploy gives every one of them, as an operator would.
OPERATOR = {
    "NotifySmtpHost": "smtp.example.com",
    "NotifySmtpPort": "465",
    "NotifySmtpUsername": "notify@example.com",
    # set by the deploy itself once chalice made the WebSocket API (``websocket_parameters``);
    # every parameter has a value from the first deploy on (moto's update needs it)
    "WebsocketEndpoint": "https://ws1.execute-api.us-east-1.amazonaws.com/dev",
    "WebsocketUrl": "wss://ws1.execute-api.us-east-1.amazonaws.com/dev/",
}


@pytest.fixture(scope="module")
def aws():
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_ACCESS_KEY_ID", "testing")
        env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        env.setenv("AWS_DEFAULT_REGION", REGION)
        env.delenv("AWS_ENDPOINT_URL", raising=False)
        env.delenv("AWS_PROFILE", raising=False)
        with mock_aws():
            yield boto3.session.Session(region_name=REGION)


@pytest.fixture(scope="module")
def first_deploy(aws, tmp_path_factory) -> str:
    key = publish(aws.client("s3"), tmp_path_factory.mktemp("artifact"), artifact())
    return deploy_template(aws.client("cloudformation"), key, OPERATOR)


@pytest.fixture(scope="module")
def machines(aws) -> str:
    cloud.ensure_bucket(aws.client("s3"), BUCKET, REGION)
    return d.publish_definitions(aws.client("s3"), BUCKET)


def artifact(marker: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("functions/__init__.py", f"# {marker}\n")
    return buffer.getvalue()


def publish(s3, directory: Path, data: bytes) -> str:
    path = directory / "functions.zip"
    path.write_bytes(data)
    key = d.artifact_key(data)
    cloud.ensure_bucket(s3, BUCKET, REGION)
    cloud.upload_once(s3, BUCKET, key, path)
    return key


def deploy_template(cfn, key: str, overrides: dict[str, str] | None = None) -> str:
    body = d.TEMPLATE.read_text()
    machines = d.definitions_prefix(d.state_machine_files())

    def parameters_for(previous: list[str]) -> list[dict[str, object]]:
        declared = yaml.safe_load(body)["Parameters"]
        return d.stack_parameters(
            "dev",
            BUCKET,
            key,
            machines=machines,
            overrides=overrides,
            previous=previous,
            declared=declared,
        )

    return cloud.deploy_stack(cfn, STACK, {"TemplateBody": body}, parameters_for)


def parameter(cfn, name: str) -> str:
    stack = cloud.describe_stack(cfn, STACK) or {}
    return next(p["ParameterValue"] for p in stack["Parameters"] if p["ParameterKey"] == name)


def test_bucket_and_upload_happen_once(aws, tmp_path):
    s3, bucket = aws.client("s3"), f"probe-{uuid.uuid4().hex[:12]}"
    path = tmp_path / "functions.zip"
    path.write_bytes(artifact())
    assert cloud.ensure_bucket(s3, bucket, REGION) is True
    assert cloud.ensure_bucket(s3, bucket, REGION) is False
    assert cloud.upload_once(s3, bucket, "functions/x.zip", path) is True
    assert cloud.upload_once(s3, bucket, "functions/x.zip", path) is False
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert cloud.download_if_present(s3, bucket, "nothing/here.json", tmp_path / "x") is False


def test_the_first_deploy_creates_the_stack_and_a_rerun_changes_nothing(aws, first_deploy):
    cfn = aws.client("cloudformation")
    assert first_deploy == "created"
    assert deploy_template(cfn, parameter(cfn, "ArtifactKey")) == "unchanged"


def test_a_new_artifact_updates_the_stack_and_keeps_the_operators_values(
    aws, first_deploy, tmp_path
):
    # when the artifact changes
    cfn = aws.client("cloudformation")
    new_key = publish(aws.client("s3"), tmp_path, artifact(uuid.uuid4().hex))
    assert deploy_template(cfn, new_key) == "updated"
    # then the stack runs it, and kept the values the deploy does not set
    assert parameter(cfn, "ArtifactKey") == new_key
    assert {name: parameter(cfn, name) for name in OPERATOR} == OPERATOR


def test_outputs_give_the_api_its_tables_queues_stream_bucket_and_role(aws, first_deploy):
    outputs = d.outputs_of(cloud.describe_stack(aws.client("cloudformation"), STACK) or {})
    # moto skips Secrets Manager resources, so their outputs are filled the way AWS would
    outputs.setdefault("AdminKeySecret", "arn:aws:secretsmanager:us-east-1:1:secret:admin")
    outputs.setdefault("NotifySmtpSecret", "arn:aws:secretsmanager:us-east-1:1:secret:smtp")
    outputs.setdefault("TrackingKeysSecret", "arn:aws:secretsmanager:us-east-1:1:secret:track")
    outputs.setdefault("HostwindsApiKeySecret", "arn:aws:secretsmanager:us-east-1:1:secret:hw")
    outputs.setdefault("CloudflareApiTokenSecret", "arn:aws:secretsmanager:us-east-1:1:secret:cf")
    # ... and the OLAP tier's Glue database, Athena work group and Firehose stream too
    outputs.setdefault("AnalyticsDatabase", "penguinmails_dev_analytics")
    outputs.setdefault("AnalyticsWorkGroup", "penguinmails-dev-analytics")
    outputs.setdefault("AnalyticsDeliveryStream", "penguinmails-dev-analytics-events")
    env = d.environment_from_outputs(outputs)
    assert env["PM_TENANTS_TABLE"] == "penguinmails-dev-tenants"
    assert env["PM_PROVISION_STATE_MACHINE_ARN"].endswith(
        ":stateMachine:penguinmails-dev-provision"
    )
    assert env["PM_DECOMMISSION_STATE_MACHINE_ARN"].endswith(
        ":stateMachine:penguinmails-dev-decommission"
    )
    assert env["PM_NOTIFICATIONS_DLQ_URL"].endswith("/penguinmails-dev-notifications-dlq")
    assert d.role_from_outputs(outputs).startswith("arn:aws:iam::")


def test_partial_batch_failures_are_switched_on_for_sqs_mappings_once(aws, first_deploy):
    # given the stack, with its SQS mapping's response types cleared by hand
    cfn, lam = aws.client("cloudformation"), aws.client("lambda")
    functions = cloud.stack_function_names(cfn, STACK)
    mappings = cloud.event_source_mappings(lam, functions)
    sqs = [m for m in mappings if d.is_sqs_arn(m["EventSourceArn"])]
    from infrastructure.local import template as tpl

    declared = tpl.load()
    assert len(functions) == len(tpl.functions(declared))
    declared_sqs = [m for m in tpl.mappings(declared) if m.source_type == "AWS::SQS::Queue"]
    assert len(mappings) == len(tpl.mappings(declared)) and len(sqs) == len(declared_sqs)
    lam.update_event_source_mapping(UUID=sqs[0]["UUID"], FunctionResponseTypes=[])
    # when the deploy's last step runs twice
    first = d.enable_partial_batch_failures(cfn, lam, STACK)
    second = d.enable_partial_batch_failures(cfn, lam, STACK)
    # then the cleared SQS mapping was updated once, and only it
    assert first == [sqs[0]["UUID"]] and second == []
    for mapping in sqs:
        updated = lam.get_event_source_mapping(UUID=mapping["UUID"])
        assert updated["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_unknown_paths_are_mapped_to_a_404_envelope(tmp_path):
    import json as _json

    import boto3
    from moto import mock_aws

    from infrastructure.deploy import cloud
    from infrastructure.deploy.deploy import rest_api_id

    with mock_aws():
        apigw = boto3.client("apigateway", region_name="us-east-1")
        api_id = apigw.create_rest_api(name="penguinmails")["id"]
        root = apigw.get_resources(restApiId=api_id)["items"][0]["id"]
        apigw.put_method(
            restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE"
        )
        apigw.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="MOCK")
        state = tmp_path / "dev.json"
        state.write_text(
            _json.dumps(
                {
                    "resources": [
                        {"name": "api_handler", "resource_type": "lambda_function"},
                        {"name": "rest_api", "resource_type": "rest_api", "rest_api_id": api_id},
                    ]
                }
            )
        )
        assert rest_api_id(state) == api_id
        cloud.unknown_paths_answer_404(apigw, api_id, "dev")
        response = apigw.get_gateway_response(
            restApiId=api_id, responseType="MISSING_AUTHENTICATION_TOKEN"
        )
        assert response["statusCode"] == "404"
        body = _json.loads(response["responseTemplates"]["application/json"])
        assert body["error"]["code"] == "not_found"
    assert rest_api_id(tmp_path / "missing.json") is None


def test_the_definitions_are_uploaded_once_under_the_prefix_the_stack_is_given(
    aws, machines, first_deploy
):
    # given the definitions the deploy uploaded
    s3, cfn = aws.client("s3"), aws.client("cloudformation")
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=machines)["Contents"]
    # then each file is there, byte for byte, under the prefix the stack runs with
    files = {path.name: path.read_bytes() for path in d.state_machine_files()}
    assert {o["Key"].removeprefix(machines) for o in listed} == set(files)
    for name, data in files.items():
        assert s3.get_object(Bucket=BUCKET, Key=machines + name)["Body"].read() == data
    assert parameter(cfn, "StateMachinesPrefix") == machines
    # and a second upload finds them there
    assert d.publish_definitions(s3, BUCKET) == machines
