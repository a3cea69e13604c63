"""The deploy's decisions, without AWS: which outputs become which environment variables,
the Chalice stage it writes, the stack parameters, the artifact key, which mappings change."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from infrastructure.deploy import DeployError
from infrastructure.deploy import deploy as d
from infrastructure.deploy.artifact import artifact_key, write_zip, zip_members
from infrastructure.local import template as tpl

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = tpl.load()
CHALICE_CONFIG = json.loads((ROOT / ".chalice" / "config.json").read_text())
SQS_ARN = "arn:aws:sqs:eu-west-1:123456789012:penguinmails-dev-notifications"
KINESIS_ARN = "arn:aws:kinesis:eu-west-1:123456789012:stream/penguinmails-dev-events"


def function_variables() -> dict[str, object]:
    """Every environment variable any function gets, with the value the template gives it."""
    found: dict[str, object] = {}
    for resource in TEMPLATE["Resources"].values():
        if resource["Type"] == "AWS::Lambda::Function":
            found.update(resource["Properties"].get("Environment", {}).get("Variables", {}))
    return found


def stack_outputs() -> dict[str, str]:
    return {name: f"value-of-{name}" for name in TEMPLATE["Outputs"]}


# --- outputs -> the API's environment -----------------------------------------------------


def test_every_resource_a_function_is_given_is_given_to_the_api_from_the_same_output():
    # given each variable whose value is a resource of the stack (not a parameter)
    from_resources = {
        name: value
        for name, value in function_variables().items()
        if isinstance(value, dict) and value.get("Ref") in TEMPLATE["Resources"]
    }
    assert from_resources
    for name, value in from_resources.items():
        # then the deploy maps it, from an output whose value is that same resource
        assert name in d.ENV_FROM_OUTPUTS, f"{name} is not mapped from a stack output"
        assert TEMPLATE["Outputs"][d.ENV_FROM_OUTPUTS[name]]["Value"] == value, name


def test_every_mapped_output_and_the_role_output_exist_in_every_deployed_stage():
    # the deploy only deploys stages where Deployed holds (dev, prod): an output under that
    # condition (the state machines') is always there; any other condition could be missing
    outputs = TEMPLATE["Outputs"]
    for output in d.ENV_FROM_OUTPUTS.values():
        assert output in outputs and outputs[output].get("Condition") in (None, "Deployed"), output
    assert outputs[d.ROLE_OUTPUT]["Value"] == {"Fn::GetAtt": ["ApiRole", "Arn"]}
    deployed_only = {o for o in d.ENV_FROM_OUTPUTS.values() if "Condition" in outputs[o]}
    assert deployed_only == {
        "ProvisionStateMachineArn",
        "DecommissionStateMachineArn",
        "WarmupStateMachineArn",
    }


def test_every_mapped_variable_is_one_the_settings_read():
    from dataclasses import fields

    from chalicelib.core.resources import SOURCES, table_env
    from chalicelib.core.settings import Settings

    read = {SOURCES[f.name].env for f in fields(Settings) if f.name != "tables"}
    tables = {table_env(lid) for lid, r in TEMPLATE["Resources"].items()
              if r["Type"] == "AWS::DynamoDB::Table"}  # fmt: skip
    for name in d.ENV_FROM_OUTPUTS:
        assert name in read | tables, name
    assert tables <= set(d.ENV_FROM_OUTPUTS)


def test_environment_from_outputs_maps_each_output_and_names_the_missing():
    outputs = stack_outputs()
    env = d.environment_from_outputs(outputs)
    assert env["PM_NOTIFICATIONS_DLQ_URL"] == "value-of-NotificationsDLQUrl"
    assert set(env) == set(d.ENV_FROM_OUTPUTS)
    del outputs["AdminKeySecret"], outputs["DataBucket"]
    with pytest.raises(DeployError, match="AdminKeySecret, DataBucket"):
        d.environment_from_outputs(outputs)


def test_role_comes_from_the_api_role_output():
    assert (
        d.role_from_outputs({"ApiRoleArn": "arn:aws:iam::1:role/api"}) == "arn:aws:iam::1:role/api"
    )
    with pytest.raises(DeployError, match="ApiRoleArn"):
        d.role_from_outputs({})


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_chalice_stage_gets_the_outputs_and_role_and_the_tracked_config_is_untouched(stage):
    # given the tracked config and a stack's outputs
    before = json.dumps(CHALICE_CONFIG, sort_keys=True)
    env = d.environment_from_outputs(stack_outputs())
    # when the deploy writes its copy
    written = d.chalice_config_for(CHALICE_CONFIG, stage, env, "arn:aws:iam::1:role/api")
    # then the stage runs with the stack's resources and role, and keeps its own settings
    stage_config = written["stages"][stage]
    assert stage_config["environment_variables"] == {"PM_STAGE": stage, **env}
    assert stage_config["iam_role_arn"] == "arn:aws:iam::1:role/api"
    assert stage_config["manage_iam_role"] is False
    assert stage_config["api_gateway_stage"] == stage
    assert written["environment_variables"] == CHALICE_CONFIG["environment_variables"]
    assert json.dumps(CHALICE_CONFIG, sort_keys=True) == before


def test_chalice_config_refuses_a_stage_the_project_does_not_have():
    with pytest.raises(DeployError, match="staging"):
        d.chalice_config_for(CHALICE_CONFIG, "staging", {}, "arn")


# --- stack parameters ---------------------------------------------------------------------


def test_the_template_takes_the_parameters_the_deploy_sets():
    assert set(d.OWN_PARAMETERS) <= set(TEMPLATE["Parameters"])
    assert set(TEMPLATE["Parameters"]["Stage"]["AllowedValues"]) >= {"dev", "prod"}


def test_create_passes_stage_artifact_state_machines_and_overrides():
    params = d.stack_parameters(
        "dev",
        "bkt",
        "functions/a.zip",
        machines="statemachines/s/",
        overrides={"NotifySmtpPort": "465"},
    )
    assert params == [
        {"ParameterKey": "Stage", "ParameterValue": "dev"},
        {"ParameterKey": "ArtifactBucket", "ParameterValue": "bkt"},
        {"ParameterKey": "ArtifactKey", "ParameterValue": "functions/a.zip"},
        {"ParameterKey": "StateMachinesPrefix", "ParameterValue": "statemachines/s/"},
        {"ParameterKey": "NotifySmtpPort", "ParameterValue": "465"},
    ]


def test_update_keeps_the_values_of_parameters_it_does_not_set():
    # given a stack that has a parameter the template no longer declares
    previous = ["Stage", "ArtifactKey", "NotifySmtpHost", "NotifySmtpPort", "Retired"]
    # when the deploy updates it with one override
    params = d.stack_parameters(
        "prod",
        "bkt",
        "functions/b.zip",
        machines="statemachines/s/",
        overrides={"NotifySmtpPort": "465"},
        previous=previous,
        declared=TEMPLATE["Parameters"],
    )
    # then only the declared ones it does not set keep their previous value
    kept = [p["ParameterKey"] for p in params if p.get("UsePreviousValue")]
    assert kept == ["NotifySmtpHost"]
    assert {"ParameterKey": "ArtifactKey", "ParameterValue": "functions/b.zip"} in params
    assert {"ParameterKey": "NotifySmtpPort", "ParameterValue": "465"} in params


@pytest.mark.parametrize(
    "bad", ["NoEquals", "=x", "Stage=prod", "ArtifactKey=x", "StateMachinesPrefix=x/"]
)
def test_parameter_overrides_refuse_malformed_pairs_and_the_deploys_own(bad):
    with pytest.raises(DeployError):
        d.parse_overrides([bad])


def test_parameter_overrides_keep_everything_after_the_first_equals():
    assert d.parse_overrides(["NotifySmtpUsername=a=b@x"]) == {"NotifySmtpUsername": "a=b@x"}


# --- the artifact -------------------------------------------------------------------------


def make_tree(root: Path) -> Path:
    (root / "functions").mkdir(parents=True)
    (root / "functions" / "notifier.py").write_text("def handler(event, context): ...\n")
    (root / "pkg" / "__pycache__").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "__pycache__" / "__init__.cpython-311.pyc").write_bytes(b"\x00pyc")
    (root / "bin").mkdir()
    (root / "bin" / "tool").write_text("#!/somewhere/python\n")
    return root


def test_the_zip_is_identical_for_identical_files_whatever_their_times(tmp_path):
    tree = make_tree(tmp_path / "tree")
    write_zip(tree, tmp_path / "one.zip")
    for path in tree.rglob("*"):
        os.utime(path, (1_000_000_000, 1_000_000_000))
    write_zip(tree, tmp_path / "two.zip")
    one, two = (tmp_path / "one.zip").read_bytes(), (tmp_path / "two.zip").read_bytes()
    assert one == two
    assert artifact_key(one) == artifact_key(two)


def test_the_artifact_key_changes_when_the_content_changes(tmp_path):
    tree = make_tree(tmp_path / "tree")
    write_zip(tree, tmp_path / "before.zip")
    (tree / "functions" / "notifier.py").write_text("def handler(event, context): return {}\n")
    write_zip(tree, tmp_path / "after.zip")
    before = artifact_key((tmp_path / "before.zip").read_bytes())
    after = artifact_key((tmp_path / "after.zip").read_bytes())
    assert before != after
    assert before.startswith("functions/") and before.endswith(".zip")


def test_the_zip_holds_every_file_in_order_but_console_scripts(tmp_path):
    tree = make_tree(tmp_path / "tree")
    names = [name for _, name in zip_members(tree)]
    assert names == [
        "functions/notifier.py",
        "pkg/__init__.py",
        "pkg/__pycache__/__init__.cpython-311.pyc",
    ]


# --- event source mappings ----------------------------------------------------------------


def mapping(uuid: str, arn: str, types: list[str] | None = None) -> dict[str, object]:
    found: dict[str, object] = {"UUID": uuid, "EventSourceArn": arn, "State": "Enabled"}
    if types is not None:
        found["FunctionResponseTypes"] = types
    return found


def test_only_sqs_mappings_without_partial_failures_are_updated():
    mappings = [
        mapping("sqs-off", SQS_ARN),
        mapping("sqs-empty", SQS_ARN, []),
        mapping("sqs-on", SQS_ARN, ["ReportBatchItemFailures"]),
        mapping("kinesis-off", KINESIS_ARN),
    ]
    assert d.mappings_to_update(mappings) == [
        {"UUID": "sqs-off", "FunctionResponseTypes": ["ReportBatchItemFailures"]},
        {"UUID": "sqs-empty", "FunctionResponseTypes": ["ReportBatchItemFailures"]},
    ]


def test_updating_the_mappings_twice_changes_nothing_the_second_time():
    # given the mappings as they are after the first pass applied its updates
    mappings = [mapping("a", SQS_ARN), mapping("b", "arn:aws-cn:sqs:cn-north-1:1:q")]
    for update in d.mappings_to_update(mappings):
        next(m for m in mappings if m["UUID"] == update["UUID"]).update(update)
    # then a second pass finds nothing to do
    assert d.mappings_to_update(mappings) == []


# --- the plan -----------------------------------------------------------------------------


def test_dry_run_prints_every_step_and_calls_nothing(capsys):
    assert d.main(["--stage", "prod", "--region", "eu-west-1", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "stack penguinmails-prod" in out
    assert "s3://penguinmails-artifacts-<account>-eu-west-1/" in out
    for step in ("1. build build/functions.zip", "2. upload", "3. create or update", "4. chalice"):
        assert step in out
    assert "5. ReportBatchItemFailures" in out
    assert "provision.asl.json" in out and "/statemachines/<sha256 of the definitions>/" in out
    assert "PM_NOTIFY_SMTP_SECRET=NotifySmtpSecret" in out


def test_sdist_only_requirements_are_found_by_their_marker():
    from infrastructure.deploy.artifact import sdist_only_requirements

    text = "boto3==1.0\ndkimpy==1.1.8  # sdist-only: pure python\n# a comment\nx==1 # pinned\n"
    assert sdist_only_requirements(text) == ["dkimpy==1.1.8"]


# --- the state machine definitions ----------------------------------------------------------


def test_every_state_machine_of_the_template_reads_a_definition_the_deploy_uploads():
    from infrastructure.deploy.artifact import state_machine_files
    from infrastructure.local import template as tpl

    uploaded = {path.name for path in state_machine_files()}
    machines = tpl.state_machines(TEMPLATE)
    assert machines and {m.definition.name for m in machines} == uploaded
    for machine in machines:
        location = TEMPLATE["Resources"][machine.logical_id]["Properties"]["DefinitionS3Location"]
        assert location["Bucket"] == {"Ref": "ArtifactBucket"}
        assert location["Key"] == {"Fn::Sub": "${StateMachinesPrefix}" + machine.definition.name}
    assert "StateMachinesPrefix" in TEMPLATE["Parameters"]


def test_the_definitions_prefix_follows_their_content_and_names_only(tmp_path):
    from infrastructure.deploy.artifact import definitions_prefix, state_machine_files

    (tmp_path / "a.asl.json").write_text('{"StartAt": "A"}')
    (tmp_path / "b.asl.json").write_text('{"StartAt": "B"}')
    (tmp_path / "notes.txt").write_text("not a definition")
    files = state_machine_files(tmp_path)
    assert [p.name for p in files] == ["a.asl.json", "b.asl.json"]
    before = definitions_prefix(files)
    assert before.startswith("statemachines/") and before.endswith("/")
    assert definitions_prefix(list(reversed(files))) == before
    os.utime(files[0], (1_000_000_000, 1_000_000_000))
    assert definitions_prefix(files) == before
    (tmp_path / "b.asl.json").write_text('{"StartAt": "C"}')
    assert definitions_prefix(files) != before


# --- the WebSocket API (created by chalice after the stack) -------------------------------


def test_the_websocket_api_id_comes_from_chalices_record(tmp_path):
    state = tmp_path / "dev.json"
    assert d.websocket_api_id(state) is None
    state.write_text(
        json.dumps(
            {
                "resources": [
                    {"resource_type": "rest_api", "rest_api_id": "rest1"},
                    {"resource_type": "websocket_api", "websocket_api_id": "ws1"},
                ]
            }
        )
    )
    assert d.websocket_api_id(state) == "ws1"


def test_the_stack_gets_the_websocket_urls_once_and_only_when_they_change():
    wanted = d.websocket_parameters("ws1", "eu-west-1", "prod", {})
    assert wanted == {
        "WebsocketEndpoint": "https://ws1.execute-api.eu-west-1.amazonaws.com/prod",
        "WebsocketUrl": "wss://ws1.execute-api.eu-west-1.amazonaws.com/prod/",
    }
    assert d.websocket_parameters("ws1", "eu-west-1", "prod", wanted) == {}
    assert d.websocket_parameters(None, "eu-west-1", "prod", {}) == {}
    template = d._safe_yaml(d.TEMPLATE.read_text())
    assert set(d.WEBSOCKET_PARAMETERS) <= set(template["Parameters"])
    assert set(d.WEBSOCKET_PARAMETERS) <= set(template["Outputs"])
    assert {"PM_WEBSOCKET_ENDPOINT", "PM_WEBSOCKET_URL"} <= set(d.ENV_FROM_OUTPUTS)


def test_the_package_check_wants_the_websocket_api_on_app_pys_handlers():
    from infrastructure.deploy.offline_checks import WEBSOCKET_HANDLERS, websocket_problems

    good = {"WebsocketAPI": {}} | {
        name: {"Properties": {"Handler": handler}} for name, handler in WEBSOCKET_HANDLERS.items()
    }
    assert websocket_problems({"Resources": good}) == []
    assert len(websocket_problems({"Resources": {}})) == 4
    import app

    assert {
        f"app.{h.handler_string.split('.')[-1]}" for h in app.app.websocket_handlers.values()
    } == set(WEBSOCKET_HANDLERS.values())
