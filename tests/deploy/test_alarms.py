"""The operators' alarms in the template: every dead-letter queue has a depth alarm, every
function an error-rate alarm (a state machine's task function: its state machine an alarm on
failed executions, since the tasks' transient errors are retried by design), every stream
consumer an iterator-age alarm, the API a 5xx-rate and a p95-latency alarm on the metrics its
pipeline really emits; each alarm notifies the one operators' topic, and none exists in the
local stack (no CloudWatch there)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from infrastructure.local import template as tpl

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = tpl.load()
RESOURCES = TEMPLATE["Resources"]
ALARMS = {lid: r for lid, r in RESOURCES.items() if r["Type"] == "AWS::CloudWatch::Alarm"}
STATE_MACHINES = sorted(
    lid for lid, r in RESOURCES.items() if r["Type"] == "AWS::StepFunctions::StateMachine"
)
TASK_FUNCTIONS = sorted(
    {
        value["Fn::GetAtt"][0]
        for lid in STATE_MACHINES
        for value in RESOURCES[lid]["Properties"]["DefinitionSubstitutions"].values()
    }
)
FUNCTIONS = sorted(
    lid
    for lid, r in RESOURCES.items()
    if r["Type"] == "AWS::Lambda::Function" and lid not in TASK_FUNCTIONS
)
DLQS = sorted(
    {
        q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        for q in RESOURCES.values()
        if q["Type"] == "AWS::SQS::Queue" and "RedrivePolicy" in q["Properties"]
    }
)
STREAM_CONSUMERS = sorted(
    {
        m["Properties"]["FunctionName"]["Ref"]
        for m in RESOURCES.values()
        if m["Type"] == "AWS::Lambda::EventSourceMapping"
        and RESOURCES[m["Properties"]["EventSourceArn"]["Fn::GetAtt"][0]]["Type"]
        in ("AWS::Kinesis::Stream", "AWS::DynamoDB::Table")
    }
)


def _metrics(alarm: dict) -> list[dict]:
    """Every metric an alarm reads: its own, or those of its metric math."""
    p = alarm["Properties"]
    if "MetricName" in p:
        return [{"Namespace": p["Namespace"], "MetricName": p["MetricName"], **p}]
    return [m["MetricStat"]["Metric"] for m in p.get("Metrics", []) if "MetricStat" in m]


def _alarms_on(namespace: str, metric: str, dimension: str, value: object) -> list[str]:
    return [
        lid
        for lid, alarm in ALARMS.items()
        for m in _metrics(alarm)
        if m["Namespace"] == namespace
        and m["MetricName"] == metric
        and {"Name": dimension, "Value": value} in m.get("Dimensions", [])
    ]


def test_there_is_something_to_check():
    assert len(DLQS) >= 4 and len(FUNCTIONS) >= 9 and len(STREAM_CONSUMERS) >= 2
    assert len(STATE_MACHINES) >= 2 and len(TASK_FUNCTIONS) >= 20


@pytest.mark.parametrize("dlq", DLQS)
def test_every_dead_letter_queue_has_a_depth_alarm_above_zero(dlq):
    found = _alarms_on(
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        "QueueName",
        {"Fn::GetAtt": [dlq, "QueueName"]},
    )
    assert found, f"{dlq} has no depth alarm"
    p = ALARMS[found[0]]["Properties"]
    assert (p["Threshold"], p["ComparisonOperator"]) == (0, "GreaterThanThreshold")


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_function_has_an_error_rate_alarm(function):
    ref = {"Ref": function}
    errors = set(_alarms_on("AWS/Lambda", "Errors", "FunctionName", ref))
    invocations = set(_alarms_on("AWS/Lambda", "Invocations", "FunctionName", ref))
    both = errors & invocations
    assert both, f"{function} has no error-rate alarm (Errors / Invocations)"
    expressions = [m.get("Expression", "") for m in ALARMS[both.pop()]["Properties"]["Metrics"]]
    assert any("errors / invocations" in e for e in expressions), expressions


@pytest.mark.parametrize("machine", STATE_MACHINES)
def test_every_state_machine_alarms_on_failed_and_timed_out_executions(machine):
    ref = {"Ref": machine}
    failed = set(_alarms_on("AWS/States", "ExecutionsFailed", "StateMachineArn", ref))
    timed_out = set(_alarms_on("AWS/States", "ExecutionsTimedOut", "StateMachineArn", ref))
    both = failed & timed_out
    assert both, f"{machine} has no alarm on failed and timed-out executions"
    p = ALARMS[both.pop()]["Properties"]
    assert (p["Threshold"], p["ComparisonOperator"]) == (0, "GreaterThanThreshold")


def test_a_function_without_its_own_alarm_is_a_task_of_an_alarmed_state_machine():
    # the split above must not hide a function: each is in exactly one of the two lists
    every = {lid for lid, r in RESOURCES.items() if r["Type"] == "AWS::Lambda::Function"}
    assert set(FUNCTIONS) | set(TASK_FUNCTIONS) == every
    assert set(TASK_FUNCTIONS) <= every


@pytest.mark.parametrize("function", STREAM_CONSUMERS)
def test_every_stream_consumer_has_an_iterator_age_alarm(function):
    assert _alarms_on("AWS/Lambda", "IteratorAge", "FunctionName", {"Ref": function})


def test_the_events_stream_has_an_iterator_age_alarm():
    found = _alarms_on(
        "AWS/Kinesis", "GetRecords.IteratorAgeMilliseconds", "StreamName", {"Ref": "EventsStream"}
    )
    assert found


def _emitted() -> tuple[str, str, set[str]]:
    """The API's EMF namespace, service dimension and metric names, read from the code."""
    powertools = (ROOT / "chalicelib" / "aws" / "powertools.py").read_text()
    pipeline = (ROOT / "chalicelib" / "http" / "pipeline.py").read_text()
    namespace = re.search(r'ThreadMetrics\(namespace="([^"]+)"', powertools).group(1)
    config = yaml.safe_load((ROOT / ".chalice" / "config.json").read_text())
    service = config["environment_variables"]["POWERTOOLS_SERVICE_NAME"]
    return namespace, service, set(re.findall(r'add_metric\(name="(\w+)"', pipeline))


def test_the_api_alarms_read_the_metrics_the_pipeline_emits():
    namespace, service, emitted = _emitted()
    assert {"Requests", "ServerErrors", "Latency"} <= emitted
    rate = ALARMS["ApiServerErrorRateAlarm"]["Properties"]
    read = {(m["Namespace"], m["MetricName"]) for m in _metrics(ALARMS["ApiServerErrorRateAlarm"])}
    assert read == {(namespace, "ServerErrors"), (namespace, "Requests")}
    assert any("errors" in m.get("Expression", "") for m in rate["Metrics"])
    latency = ALARMS["ApiLatencyP95Alarm"]["Properties"]
    assert (latency["Namespace"], latency["MetricName"]) == (namespace, "Latency")
    assert latency["ExtendedStatistic"] == "p95"
    for lid in ("ApiServerErrorRateAlarm", "ApiLatencyP95Alarm"):
        for m in _metrics(ALARMS[lid]):
            assert m["Dimensions"] == [{"Name": "service", "Value": service}], lid


@pytest.mark.parametrize("lid", sorted(ALARMS))
def test_every_alarm_tells_the_operators_and_exists_only_when_deployed(lid):
    alarm = ALARMS[lid]
    assert alarm["Properties"]["AlarmActions"] == [{"Ref": "OperatorAlarms"}]
    assert alarm.get("Condition") == "Deployed"
    assert RESOURCES["OperatorAlarms"]["Type"] == "AWS::SNS::Topic"
