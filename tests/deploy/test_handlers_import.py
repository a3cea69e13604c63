"""What Lambda will load, loaded the way Lambda loads it: every handler a template names and
the Chalice ``app``, each imported in a fresh process with a deployed stage's environment.
Plus the templates themselves: they parse, and every reference in them has a target."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted(p for p in (ROOT / "infrastructure").rglob("*") if p.suffix in (".yaml", ".yml"))
DEPLOYED_ENV = {
    "PM_STAGE": "dev",
    "AWS_DEFAULT_REGION": "us-east-1",
    "PM_TENANTS_TABLE": "penguinmails-dev-tenants",
    "PM_API_KEYS_TABLE": "penguinmails-dev-api-keys",
    "PM_AUDIT_TABLE": "penguinmails-dev-audit",
    "PM_COUNTERS_TABLE": "penguinmails-dev-counters",
    "PM_IDEMPOTENCY_TABLE": "penguinmails-dev-idempotency",
    "PM_EVENTS_STREAM": "penguinmails-dev-events",
    "PM_NOTIFICATIONS_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/0/penguinmails-dev-n",
    "PM_NOTIFICATIONS_DLQ_URL": "https://sqs.us-east-1.amazonaws.com/0/penguinmails-dev-n-dlq",
    "PM_BUCKET": "penguinmails-dev-data-0",
    "PM_ADMIN_KEY_SECRET": "penguinmails/dev/admin-key",
    "PM_NOTIFY_SMTP_SECRET": "penguinmails/dev/notify-smtp-password",
}
# Cold starts (ARCHITECTURE.md): clients are built and heavy libraries imported on first use.
LAZY_AT_IMPORT = ("boto3", "botocore", "pydantic", "pynamodb", "aiosmtplib")
PSEUDO_PARAMETER = re.compile(r"^AWS::")
SUB_PLACEHOLDER = re.compile(r"\$\{(?!!)([^}]+)\}")

IMPORT_HANDLER = """
import importlib, json, sys
module_name, _, attr = sys.argv[1].rpartition(".")
target = getattr(importlib.import_module(module_name), attr)
lazy = [name for name in sys.argv[2].split(",") if name in sys.modules]
print(json.dumps({"callable": callable(target), "imported_at_load": lazy}))
"""
IMPORT_APP = """
import json, sys
from app import app
lazy = [name for name in sys.argv[1].split(",") if name in sys.modules]
from chalicelib.http.openapi import build_document
from chalicelib.http.routing import ROUTES
print(json.dumps({
    "imported_at_load": lazy,
    "registered": sorted([path, method] for path, entries in app.routes.items()
                         for method in entries),
    "declared": sorted([path, method] for path, method in ROUTES),
    "documented": sorted([path, method.upper()] for path, operations
                         in build_document()["paths"].items() for method in operations),
}))
"""


@cache
def load_template(path: Path) -> dict[str, Any]:
    return yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506


def lambda_functions() -> list[Any]:
    """(template, properties) of every AWS::Lambda::Function in every template."""
    found = []
    for path in TEMPLATES:
        template = load_template(path)
        for logical_id, resource in (template.get("Resources") or {}).items():
            if resource.get("Type") == "AWS::Lambda::Function":
                label = f"{path.relative_to(ROOT)}:{logical_id}"
                found.append(pytest.param(template, resource["Properties"], id=label))
    return found


FUNCTIONS = lambda_functions()


def lambda_environment(template: dict[str, Any], properties: dict[str, Any]) -> dict[str, str]:
    """The function's own variables as a deployed stage would give them, over the defaults."""
    parameters = template.get("Parameters") or {}
    variables = (properties.get("Environment") or {}).get("Variables") or {}
    env = dict(DEPLOYED_ENV)
    for name, value in variables.items():
        ref = value.get("Ref") if isinstance(value, dict) else None
        if ref == "Stage":
            env[name] = DEPLOYED_ENV["PM_STAGE"]
        elif ref in parameters:
            env[name] = str(parameters[ref].get("Default", "dummy"))
        else:
            env[name] = value if isinstance(value, str) else env.get(name, f"dummy-{name}")
    return env


def run_fresh(script: str, *args: str, env: dict[str, str]) -> dict[str, Any]:
    # A minimal environment: nothing of the test process (credentials, PM_* of other tiers).
    child_env = {"PATH": "/usr/bin:/bin", **env}
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        env=child_env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_there_are_templates_and_functions_to_check():
    assert ROOT / "infrastructure" / "template.yaml" in TEMPLATES
    assert FUNCTIONS


@pytest.mark.parametrize(("template", "properties"), FUNCTIONS)
def test_handler_imports_in_a_fresh_process_and_is_callable(template, properties):
    # given the handler the template names, and the environment it gives the function
    handler = properties["Handler"]
    env = lambda_environment(template, properties)
    # when a fresh interpreter imports it
    loaded = run_fresh(IMPORT_HANDLER, handler, ",".join(LAZY_AT_IMPORT), env=env)
    # then it is callable and has imported nothing heavy yet
    assert loaded["callable"], f"{handler} is not callable"
    assert loaded["imported_at_load"] == [], f"{handler}: imported at load"


@pytest.mark.parametrize(("template", "properties"), FUNCTIONS)
def test_handler_lives_in_the_functions_artifact_and_runs_its_python(template, properties):
    from infrastructure.deploy.artifact import FUNCTION_SOURCES

    module = properties["Handler"].rpartition(".")[0]
    assert module.split(".")[0] in FUNCTION_SOURCES, f"{module} is not in the artifact"
    assert (ROOT / (module.replace(".", "/") + ".py")).is_file(), f"no {module}.py"
    assert properties.get("Runtime") == "python3.11", "the artifact is built for python3.11"


@pytest.fixture(scope="module")
def app_in_fresh_process() -> dict[str, Any]:
    return run_fresh(IMPORT_APP, ",".join(LAZY_AT_IMPORT), env=DEPLOYED_ENV)


def test_app_imports_without_heavy_libraries(app_in_fresh_process):
    assert app_in_fresh_process["imported_at_load"] == []


def test_every_declared_route_is_registered_on_the_app(app_in_fresh_process):
    registered = {tuple(r) for r in app_in_fresh_process["registered"]}
    declared = {tuple(r) for r in app_in_fresh_process["declared"]}
    assert registered, "app.routes is empty"
    assert registered == declared


def test_every_route_is_in_the_openapi_document(app_in_fresh_process):
    documented = {tuple(r) for r in app_in_fresh_process["documented"]}
    missing = [r for r in app_in_fresh_process["registered"] if tuple(r) not in documented]
    assert missing == []


# --- the templates ------------------------------------------------------------------------


def references(node: Any) -> Iterator[tuple[str, str]]:
    """(kind, logical id) for every Ref, Fn::GetAtt, Fn::Sub placeholder and condition use."""
    if isinstance(node, list):
        for item in node:
            yield from references(item)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key == "Ref" and isinstance(value, str):
            yield "Ref", value
        elif key == "Fn::GetAtt":
            yield "GetAtt", value[0] if isinstance(value, list) else value.split(".")[0]
        elif key == "Fn::Sub":
            text, local = (value, {}) if isinstance(value, str) else (value[0], value[1])
            for name in SUB_PLACEHOLDER.findall(text):
                if name.split(".")[0] not in local:
                    yield "Sub", name.split(".")[0]
        elif key == "Fn::If":
            yield "Condition", value[0]
        elif key == "Condition" and isinstance(value, str):
            yield "Condition", value
        yield from references(value)


def dangling(template: dict[str, Any]) -> list[str]:
    resources = set(template.get("Resources") or {})
    parameters = set(template.get("Parameters") or {})
    conditions = set(template.get("Conditions") or {})
    targets = {
        "Ref": resources | parameters,
        "Sub": resources | parameters,
        "GetAtt": resources,
        "Condition": conditions,
    }
    sections = {k: template.get(k) for k in ("Resources", "Outputs", "Conditions")}
    return sorted(
        f"{kind} {target}"
        for kind, target in references(sections)
        if target not in targets[kind] and not PSEUDO_PARAMETER.match(target)
    )


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_template_parses_as_plain_yaml_with_resources(path):
    # yaml.safe_load rejects short-form tags (!Ref, !GetAtt): the house style is long form.
    template = load_template(path)
    assert isinstance(template, dict) and template.get("Resources")


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_reference_in_the_template_has_a_target(path):
    assert dangling(load_template(path)) == []


def test_reference_check_finds_a_dangling_reference():
    # given a template whose references miss in each of the four ways
    template = {
        "Parameters": {"Stage": {"Type": "String"}},
        "Resources": {
            "Queue": {"Type": "AWS::SQS::Queue", "Condition": "Nope"},
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                    "Handler": {"Fn::Sub": "${Stage}-${AWS::Region}-${Queue.Arn}-${Gone}-${!Lit}"},
                    "Code": {"Ref": "Missing"},
                },
            },
        },
    }
    # then each is reported, and nothing else
    assert dangling(template) == ["Condition Nope", "GetAtt Role", "Ref Missing", "Sub Gone"]
