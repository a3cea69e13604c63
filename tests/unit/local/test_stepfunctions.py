"""The local Step Functions glue without a server: how a Lambda invoke is answered (result,
unhandled error by class name, unknown function) and how waits and retries are scaled."""

from __future__ import annotations

import json

import pytest

from chalicelib.provisioning.errors import ProviderUnavailable
from infrastructure.local import stepfunctions as sf


@pytest.fixture
def registry() -> sf.LambdaRegistry:
    return sf.LambdaRegistry()


def test_a_registered_handler_answers_with_its_result_as_json(registry):
    arn = registry.register(
        "echo", lambda event, context: {"got": event, "fn": context.function_name}
    )
    headers: dict[str, str] = {}
    body = sf.dispatch(registry, arn + ":$LATEST", b'{"a": 1}', headers)
    assert json.loads(body) == {"got": {"a": 1}, "fn": "echo"}
    assert headers == {}


def test_an_exception_answers_as_lambda_does_with_its_class_name(registry):
    def failing(event, context):
        raise ProviderUnavailable("503 from the provider")

    arn = registry.override("CreateVpsFunction", failing)
    assert arn.endswith(":function:penguinmails-local-provisioning-create-vps")
    headers: dict[str, str] = {}
    payload = json.loads(sf.dispatch(registry, arn, b"{}", headers))
    assert headers["x-amz-function-error"] == "Unhandled"
    assert payload["errorType"] == "ProviderUnavailable"
    assert payload["errorMessage"] == "503 from the provider"
    assert any("failing" in line for line in payload["stackTrace"])


@pytest.mark.parametrize("registered", [True, False])
def test_an_unknown_function_is_a_resource_not_found_error(registry, registered):
    headers: dict[str, str] = {}
    chosen = registry if registered else None
    payload = json.loads(sf.dispatch(chosen, sf.function_arn("nope"), b"{}", headers))
    assert headers["x-amz-function-error"] == "Unhandled"
    assert payload["errorType"] == "ResourceNotFoundException"


def test_every_template_function_is_known_by_its_local_name(registry):
    assert "penguinmails-local-provisioning-notify" in registry
    assert registry.name_of("NotifyFunction") == "penguinmails-local-provisioning-notify"
    assert sf.function_name("penguinmails-local-x") == "penguinmails-local-x"


def test_waits_and_retry_intervals_are_divided_and_rounded_up_to_whole_seconds():
    definition = {
        "States": {
            "W": {"Type": "Wait", "Seconds": 600, "Next": "Z"},
            "Z": {"Type": "Wait", "Seconds": 0, "Next": "T"},
            "T": {
                "Type": "Task",
                "Retry": [
                    {
                        "ErrorEquals": ["A"],
                        "IntervalSeconds": 5,
                        "MaxAttempts": 4,
                        "BackoffRate": 2.0,
                    },
                    {
                        "ErrorEquals": ["B"],
                        "IntervalSeconds": 15,
                        "MaxAttempts": 40,
                        "BackoffRate": 1.0,
                    },
                    {
                        "ErrorEquals": ["C"],
                        "IntervalSeconds": 30,
                        "MaxAttempts": 6,
                        "BackoffRate": 1.5,
                    },
                ],
                "End": True,
            },
        }
    }
    local = sf.scale_definition(definition, 60.0)
    assert local["States"]["W"]["Seconds"] == 10
    assert local["States"]["Z"]["Seconds"] == 0
    a, b, c = local["States"]["T"]["Retry"]
    assert (a["IntervalSeconds"], a["MaxDelaySeconds"]) == (1, 1)  # 5, 10, 20, 40 s -> 1 s each
    assert b["IntervalSeconds"] == 1 and "MaxDelaySeconds" not in b
    assert (c["IntervalSeconds"], c["MaxDelaySeconds"]) == (1, 4)  # 30 * 1.5**5 = 228 s -> 4 s
    assert (a["MaxAttempts"], b["MaxAttempts"]) == (4, 40)
    assert definition["States"]["W"]["Seconds"] == 600  # the original is untouched
    assert sf.scale_definition(definition, 1.0)["States"]["T"]["Retry"][0]["IntervalSeconds"] == 5
