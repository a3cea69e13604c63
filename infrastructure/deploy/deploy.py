"""Deploys one stage to AWS: owns the order of a deploy and the decisions between its steps.

1. build ``build/functions.zip`` (``artifact.py``);
2. upload it to the artifact bucket under its content hash, creating the bucket if missing,
   and the state machine definitions (``infrastructure/statemachines/*.asl.json``) under a
   prefix named by their content hash;
3. create or update the stack ``penguinmails-<stage>`` from ``infrastructure/template.yaml``
   with Stage, ArtifactBucket, ArtifactKey and StateMachinesPrefix; other parameters keep
   their current values unless given with ``--parameter``;
4. write the stack outputs as the Chalice stage's environment and role into a copy of the app
   in ``build/chalice-app`` and run ``chalice deploy`` there. The tracked ``.chalice/config.json``
   is never rewritten. Chalice's record of what it deployed (``.chalice/deployed/<stage>.json``)
   is kept in the artifact bucket, so a deploy from any machine updates the same API instead
   of creating a second one;
   Chalice also deploys the WebSocket API (``app.py``'s websocket handlers); its id is only
   known then, so when it is new or changed the deploy hands its URLs back to the stack
   (``WebsocketEndpoint``, ``WebsocketUrl``: the consumers' pushes, the tickets' url) and runs
   ``chalice deploy`` once more with the new outputs (``websocket_parameters``);
5. switch on ReportBatchItemFailures for every SQS event source mapping of the stack's functions.

The decisions (plan, parameters, output to environment mapping, artifact key, Chalice config,
which mappings need updating) are pure functions, so tests call them without AWS; the AWS
calls are in ``cloud.py``.

Run: ``python -m infrastructure.deploy.deploy --stage dev|prod [--region R]
[--artifact-bucket B] [--parameter KEY=VALUE ...] [--dry-run]``; ``--dry-run`` prints the plan
and calls nothing.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import shutil
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from chalicelib.core.resources import env_from_outputs
from infrastructure.deploy import DeployError, cloud
from infrastructure.deploy.artifact import (
    FUNCTION_SOURCES,
    FUNCTIONS_DIR,
    FUNCTIONS_ZIP,
    LAMBDA_PLATFORM,
    ROOT,
    SOURCE_JUNK,
    artifact_key,
    build_functions_artifact,
    definitions_prefix,
    run,
    state_machine_files,
)
from infrastructure.deploy.chalice_state import (
    WEBSOCKET_PARAMETERS,
    rest_api_id,
    websocket_api_id,
    websocket_parameters,
)

__all__ = ["DeployError", "artifact_key", "main"]

TEMPLATE = ROOT / "infrastructure" / "template.yaml"
CHALICE_APP = ROOT / "build" / "chalice-app"
CHALICE_SOURCES = ("app.py", "requirements.txt", "chalicelib", "vendor")
OWN_PARAMETERS = ("Stage", "ArtifactBucket", "ArtifactKey", "StateMachinesPrefix")


# stack output → the API's environment: the one mapping (core.resources), for the template's outputs
def _safe_yaml(text: str) -> Any:
    """YAML through libyaml when present (the pure-Python parser takes seconds here)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506


ENV_FROM_OUTPUTS: dict[str, str] = env_from_outputs(_safe_yaml(TEMPLATE.read_text())["Outputs"])
ROLE_OUTPUT = "ApiRoleArn"
PARTIAL_FAILURES = "ReportBatchItemFailures"


@dataclass(frozen=True)
class Options:
    stage: str
    region: str | None
    bucket: str | None = None
    overrides: dict[str, str] = field(default_factory=dict)
    dry_run: bool = False

    @property
    def stack(self) -> str:
        return stack_name(self.stage)


# --- decisions (pure) ---------------------------------------------------------------------


def stack_name(stage: str) -> str:
    return f"penguinmails-{stage}"


def default_artifact_bucket(account_id: str, region: str) -> str:
    return f"penguinmails-artifacts-{account_id}-{region}"


def stack_parameters(
    stage: str,
    bucket: str,
    key: str,
    *,
    machines: str,
    overrides: Mapping[str, str] | None = None,
    previous: Iterable[str] = (),
    declared: Iterable[str] | None = None,
) -> list[dict[str, Any]]:
    """Ours, then the operator's; every other parameter the stack has keeps its value (an
    update that leaves one out would reset it to the template's default). ``machines`` is
    the key prefix of the uploaded state machine definitions."""
    values = {
        "Stage": stage,
        "ArtifactBucket": bucket,
        "ArtifactKey": key,
        "StateMachinesPrefix": machines,
    }
    values.update(sorted((overrides or {}).items()))
    allowed = None if declared is None else set(declared)
    kept = sorted(k for k in set(previous) - set(values) if allowed is None or k in allowed)
    return [{"ParameterKey": k, "ParameterValue": str(v)} for k, v in values.items()] + [
        {"ParameterKey": k, "UsePreviousValue": True} for k in kept
    ]


def outputs_of(stack: Mapping[str, Any]) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def environment_from_outputs(outputs: Mapping[str, str]) -> dict[str, str]:
    missing = sorted(name for name in ENV_FROM_OUTPUTS.values() if name not in outputs)
    if missing:
        raise DeployError(f"the stack has no output {', '.join(missing)}")
    return {env: outputs[name] for env, name in ENV_FROM_OUTPUTS.items()}


def role_from_outputs(outputs: Mapping[str, str]) -> str:
    if ROLE_OUTPUT not in outputs:
        raise DeployError(f"the stack has no output {ROLE_OUTPUT} (was it deployed as local?)")
    return outputs[ROLE_OUTPUT]


def chalice_config_for(
    config: Mapping[str, Any], stage: str, environment: Mapping[str, str], role_arn: str
) -> dict[str, Any]:
    """A copy of ``.chalice/config.json`` whose stage runs with the stack's resources and role."""
    updated = copy.deepcopy(dict(config))
    if stage not in updated.get("stages", {}):
        raise DeployError(f".chalice/config.json has no stage {stage!r}")
    stage_config = updated["stages"][stage]
    stage_config["environment_variables"] = {
        **stage_config.get("environment_variables", {}),
        **environment,
    }
    stage_config["manage_iam_role"] = False
    stage_config["iam_role_arn"] = role_arn
    return updated


def is_sqs_arn(arn: str) -> bool:
    parts = arn.split(":")
    return len(parts) > 2 and parts[2] == "sqs"


def mappings_to_update(mappings: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``update_event_source_mapping`` arguments for each SQS mapping not yet reporting
    partial batch failures: empty once every one does, so a rerun changes nothing."""
    updates = []
    for mapping in mappings:
        types = list(mapping.get("FunctionResponseTypes") or [])
        if is_sqs_arn(mapping.get("EventSourceArn", "")) and PARTIAL_FAILURES not in types:
            updates.append(
                {"UUID": mapping["UUID"], "FunctionResponseTypes": [*types, PARTIAL_FAILURES]}
            )
    return updates


def parse_overrides(pairs: Sequence[str]) -> dict[str, str]:
    overrides = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise DeployError(f"--parameter wants KEY=VALUE, got {pair!r}")
        if key in OWN_PARAMETERS:
            raise DeployError(f"--parameter cannot set {key}: the deploy sets it")
        overrides[key] = value
    return overrides


def plan(options: Options) -> list[str]:
    bucket = options.bucket or default_artifact_bucket("<account>", options.region or "<region>")
    key = "functions/<sha256 of the zip>.zip"
    machines = "statemachines/<sha256 of the definitions>/"
    params = stack_parameters(
        options.stage, bucket, key, machines=machines, overrides=options.overrides
    )
    shown = " ".join(f"{p['ParameterKey']}={p['ParameterValue']}" for p in params)
    env = ", ".join(f"{env}={output}" for env, output in ENV_FROM_OUTPUTS.items())
    return [
        f"deploy stage {options.stage} to {options.region or '(no region set)'}",
        f"1. build {_rel(FUNCTIONS_ZIP)}: pip install -r requirements.txt --target "
        f"{_rel(FUNCTIONS_DIR)} {' '.join(LAMBDA_PLATFORM)}; add {', '.join(FUNCTION_SOURCES)}",
        f"2. upload to s3://{bucket}/{key} (bucket created if missing), and "
        f"{', '.join(p.name for p in state_machine_files())} under s3://{bucket}/{machines}",
        f"3. create or update stack {options.stack} from {_rel(TEMPLATE)}: {shown}; "
        f"{', '.join(cloud.CAPABILITIES)}",
        f"4. chalice deploy --stage {options.stage} in {_rel(CHALICE_APP)} with {env}; "
        f"iam_role_arn={ROLE_OUTPUT}; when its WebSocket API is new: update the stack with "
        f"{', '.join(WEBSOCKET_PARAMETERS)} from its id and chalice deploy again",
        f"5. {PARTIAL_FAILURES} on every SQS event source mapping of {options.stack}'s functions",
    ]


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


# --- the Chalice API ----------------------------------------------------------------------


def prepare_chalice_app(stage: str, environment: Mapping[str, str], role_arn: str) -> Path:
    shutil.rmtree(CHALICE_APP, ignore_errors=True)
    for name in CHALICE_SOURCES:
        source, target = ROOT / name, CHALICE_APP / name
        if source.is_dir():
            shutil.copytree(source, target, ignore=SOURCE_JUNK)
        elif source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    written = CHALICE_APP / ".chalice" / "config.json"
    written.parent.mkdir(parents=True, exist_ok=True)
    written.write_text(json.dumps(chalice_config_for(config, stage, environment, role_arn)))
    return CHALICE_APP


def chalice_executable() -> str:
    beside_python = shutil.which("chalice", path=str(Path(sys.executable).parent))
    found = beside_python or shutil.which("chalice")
    if not found:
        raise DeployError("chalice is not installed (pip install -r requirements-dev.txt)")
    return found


def chalice_deploy(s3: Any, bucket: str, stage: str, region: str) -> None:
    state = CHALICE_APP / ".chalice" / "deployed" / f"{stage}.json"
    key = f"chalice/deployed/{stage}.json"
    seed = ROOT / ".chalice" / "deployed" / f"{stage}.json"
    if not cloud.download_if_present(s3, bucket, key, state) and seed.is_file():
        shutil.copy2(seed, state)
    command = [chalice_executable(), "--project-dir", str(CHALICE_APP), "deploy"]
    try:
        run([*command, "--stage", stage], env={**os.environ, "AWS_DEFAULT_REGION": region})
    finally:
        if state.is_file():  # chalice records what it created even when a deploy fails
            s3.upload_file(str(state), bucket, key)


# --- the deploy ---------------------------------------------------------------------------


def deploy(options: Options) -> None:
    import boto3

    if not options.region:
        raise DeployError("no region: pass --region or set AWS_DEFAULT_REGION")
    aws = boto3.session.Session(region_name=options.region)
    account = aws.client("sts").get_caller_identity()["Account"]
    bucket = options.bucket or default_artifact_bucket(account, options.region)
    s3, cfn = aws.client("s3"), aws.client("cloudformation")
    key = publish_artifact(s3, bucket, options.region)
    machines = publish_definitions(s3, bucket)
    outputs = apply_stack(s3, cfn, bucket, key, machines, options)
    print("4. chalice deploy", flush=True)
    prepare_chalice_app(
        options.stage, environment_from_outputs(outputs), role_from_outputs(outputs)
    )
    chalice_deploy(s3, bucket, options.stage, options.region)
    state = CHALICE_APP / ".chalice" / "deployed" / f"{options.stage}.json"
    websocket = websocket_parameters(
        websocket_api_id(state), options.region, options.stage, outputs
    )
    if websocket:
        print("4b. the WebSocket API's URLs to the stack, then chalice deploy again", flush=True)
        again = replace(options, overrides={**options.overrides, **websocket})
        outputs = apply_stack(s3, cfn, bucket, key, machines, again)
        prepare_chalice_app(
            options.stage, environment_from_outputs(outputs), role_from_outputs(outputs)
        )
        chalice_deploy(s3, bucket, options.stage, options.region)
    rest_api = rest_api_id(state)
    if rest_api:
        cloud.unknown_paths_answer_404(aws.client("apigateway"), rest_api, options.stage)
    print("5. partial batch failures", flush=True)
    enable_partial_batch_failures(cfn, aws.client("lambda"), options.stack)


def publish_artifact(s3: Any, bucket: str, region: str) -> str:
    print("1. build the functions artifact", flush=True)
    key = artifact_key(build_functions_artifact().read_bytes())
    print(f"2. upload s3://{bucket}/{key}", flush=True)
    if cloud.ensure_bucket(s3, bucket, region):
        print(f"   created bucket {bucket}")
    uploaded = cloud.upload_once(s3, bucket, key, FUNCTIONS_ZIP)
    print("   uploaded" if uploaded else "   already there")
    return key


def publish_definitions(s3: Any, bucket: str) -> str:
    """Upload every state machine definition under its content-hash prefix; the prefix."""
    files = state_machine_files()
    prefix = definitions_prefix(files)
    uploaded = [
        path.name for path in files if cloud.upload_once(s3, bucket, prefix + path.name, path)
    ]
    print(f"   state machines under {prefix}: {', '.join(uploaded) or 'already there'}")
    return prefix


def apply_stack(
    s3: Any, cfn: Any, bucket: str, key: str, machines: str, options: Options
) -> dict[str, str]:
    print(f"3. stack {options.stack}", flush=True)
    body = TEMPLATE.read_text()
    declared = list((_safe_yaml(body).get("Parameters") or {}).keys())

    def parameters_for(previous: list[str]) -> list[dict[str, Any]]:
        return stack_parameters(
            options.stage,
            bucket,
            key,
            machines=machines,
            overrides=options.overrides,
            previous=previous,
            declared=declared,
        )

    template = cloud.template_arguments(s3, body, bucket, options.region or "")
    print("  ", cloud.deploy_stack(cfn, options.stack, template, parameters_for), flush=True)
    return outputs_of(cloud.describe_stack(cfn, options.stack) or {})


def enable_partial_batch_failures(cfn: Any, lambda_client: Any, stack: str) -> list[str]:
    functions = cloud.stack_function_names(cfn, stack)
    updates = mappings_to_update(cloud.event_source_mappings(lambda_client, functions))
    for update in updates:
        lambda_client.update_event_source_mapping(**update)
    print(f"   switched on for {len(updates)} mapping(s) of {len(functions)} function(s)")
    return [update["UUID"] for update in updates]


def resolve_region(explicit: str | None) -> str | None:
    if explicit:
        return explicit
    from_env = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if from_env:
        return from_env
    import boto3  # reads ~/.aws/config; sends nothing

    return boto3.session.Session().region_name


def parse_args(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(prog="python -m infrastructure.deploy.deploy")
    parser.add_argument("--stage", required=True, choices=["dev", "prod"])
    parser.add_argument("--region", help="default: AWS_REGION, AWS_DEFAULT_REGION, ~/.aws/config")
    parser.add_argument("--artifact-bucket", help="default: penguinmails-artifacts-<acct>-<region>")
    parser.add_argument(
        "--parameter",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="another template parameter, e.g. NotifySmtpHost=smtp.example.com (repeatable)",
    )
    parser.add_argument("--dry-run", action="store_true", help="print the plan, call nothing")
    args = parser.parse_args(argv)
    try:
        overrides = parse_overrides(args.parameter)
    except DeployError as exc:
        parser.error(str(exc))
    region = resolve_region(args.region)
    return Options(args.stage, region, args.artifact_bucket, overrides, args.dry_run)


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    print("\n".join(plan(options)), flush=True)
    if options.dry_run:
        return 0
    try:
        deploy(options)
    except DeployError as exc:
        print(f"deploy failed: {exc}", file=sys.stderr)
        return 1
    print(f"deployed {options.stack}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
