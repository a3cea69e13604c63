"""The AWS calls of a deploy: the artifact bucket, the CloudFormation stack, the mappings.

Every function takes its boto3 client as an argument and decides nothing a test would want
to check without AWS; those decisions live in ``deploy.py``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError, WaiterError

from infrastructure.deploy import DeployError

TEMPLATE_BODY_LIMIT = 51_200
CAPABILITIES = ["CAPABILITY_IAM"]
WAITER_CONFIG = {"Delay": 10, "MaxAttempts": 360}
MISSING_CODES = {"404", "NoSuchKey", "NoSuchBucket", "NotFound"}
# CloudFormation answers both with a ValidationError; its message is the only distinction.
NO_UPDATES = "No updates are to be performed"
DOES_NOT_EXIST = "does not exist"

ParametersFor = Callable[[list[str]], list[dict[str, Any]]]


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def ensure_bucket(s3: Any, bucket: str, region: str) -> bool:
    """Create the private, versioned artifact bucket unless it exists; True if created."""
    try:
        s3.head_bucket(Bucket=bucket)
        return False
    except ClientError as exc:
        if _code(exc) not in MISSING_CODES:
            raise DeployError(f"bucket {bucket} is not usable: {exc}") from exc
    where = {} if region == "us-east-1" else {"LocationConstraint": region}
    s3.create_bucket(Bucket=bucket, **({"CreateBucketConfiguration": where} if where else {}))
    blocked = dict.fromkeys(
        ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True
    )
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=blocked)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    return True


def upload_once(s3: Any, bucket: str, key: str, path: Path) -> bool:
    """Upload unless the key exists (keys are content hashes); True if uploaded."""
    try:
        s3.head_object(Bucket=bucket, Key=key)
        return False
    except ClientError as exc:
        if _code(exc) not in MISSING_CODES:
            raise
    s3.upload_file(str(path), bucket, key)
    return True


def download_if_present(s3: Any, bucket: str, key: str, dest: Path) -> bool:
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        s3.download_file(bucket, key, str(dest))
        return True
    except ClientError as exc:
        if _code(exc) not in MISSING_CODES:
            raise
        return False


def template_arguments(s3: Any, body: str, bucket: str, region: str) -> dict[str, str]:
    """Inline up to CloudFormation's body limit, from the artifact bucket beyond it."""
    data = body.encode()
    if len(data) <= TEMPLATE_BODY_LIMIT:
        return {"TemplateBody": body}
    key = f"templates/{hashlib.sha256(data).hexdigest()[:32]}.yaml"
    s3.put_object(Bucket=bucket, Key=key, Body=data)
    return {"TemplateURL": f"https://{bucket}.s3.{region}.amazonaws.com/{key}"}


def describe_stack(cfn: Any, name: str) -> dict[str, Any] | None:
    try:
        return cfn.describe_stacks(StackName=name)["Stacks"][0]
    except ClientError as exc:
        if DOES_NOT_EXIST in str(exc):
            return None
        raise


def deploy_stack(
    cfn: Any, name: str, template: Mapping[str, str], parameters_for: ParametersFor
) -> str:
    """Create or update ``name`` and wait; returns ``created``, ``updated`` or ``unchanged``.
    ``parameters_for`` gets the parameter names the stack has now (none on create)."""
    current = describe_stack(cfn, name)
    if current and current["StackStatus"] == "ROLLBACK_COMPLETE":
        # A first create that failed leaves a stack that can only be deleted.
        cfn.delete_stack(StackName=name)
        wait_for(cfn, "stack_delete_complete", name)
        current = None
    common = {"StackName": name, "Capabilities": CAPABILITIES, **template}
    if current is None:
        cfn.create_stack(Parameters=parameters_for([]), **common)
        wait_for(cfn, "stack_create_complete", name)
        return "created"
    previous = [p["ParameterKey"] for p in current.get("Parameters", [])]
    try:
        cfn.update_stack(Parameters=parameters_for(previous), **common)
    except ClientError as exc:
        if NO_UPDATES in str(exc):
            return "unchanged"
        raise
    wait_for(cfn, "stack_update_complete", name)
    return "updated"


def wait_for(cfn: Any, waiter: str, name: str) -> None:
    try:
        cfn.get_waiter(waiter).wait(StackName=name, WaiterConfig=WAITER_CONFIG)
    except WaiterError as exc:
        reasons = "; ".join(failure_reasons(cfn, name)) or str(exc)
        raise DeployError(f"{name}: {waiter} failed: {reasons}") from exc


def failure_reasons(cfn: Any, name: str) -> list[str]:
    try:
        events = cfn.describe_stack_events(StackName=name)["StackEvents"]
    except ClientError:
        return []
    failed = [e for e in events if e["ResourceStatus"].endswith("_FAILED")]
    return [f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason', '?')}" for e in failed[:5]]


def stack_function_names(cfn: Any, name: str) -> list[str]:
    pages = cfn.get_paginator("list_stack_resources").paginate(StackName=name)
    return sorted(
        r["PhysicalResourceId"]
        for page in pages
        for r in page["StackResourceSummaries"]
        if r["ResourceType"] == "AWS::Lambda::Function"
    )


def event_source_mappings(lambda_client: Any, functions: Iterable[str]) -> list[dict[str, Any]]:
    paginator = lambda_client.get_paginator("list_event_source_mappings")
    return [
        mapping
        for function in functions
        for page in paginator.paginate(FunctionName=function)
        for mapping in page["EventSourceMappings"]
    ]


NOT_FOUND_BODY = '{"error": {"code": "not_found", "message": "no such route", "details": {}}}'


def unknown_paths_answer_404(apigateway: Any, rest_api_id: str, stage: str) -> None:
    """API Gateway answers unknown paths itself with 403 'Missing Authentication Token';
    map that gateway response to our 404 envelope and redeploy the stage."""
    apigateway.put_gateway_response(
        restApiId=rest_api_id,
        responseType="MISSING_AUTHENTICATION_TOKEN",
        statusCode="404",
        responseTemplates={"application/json": NOT_FOUND_BODY},
        responseParameters={"gatewayresponse.header.Content-Type": "'application/json'"},
    )
    apigateway.create_deployment(restApiId=rest_api_id, stageName=stage)
