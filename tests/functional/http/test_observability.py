"""Every request logs one JSON line (request id, tenant id, cold start) and EMF metrics, and
its lines are its own: a worker run in the same process tags none of them."""

import contextlib
import io
import json
import logging
import threading


class Context:
    aws_request_id = "req-worker"


@contextlib.contextmanager
def captured_lines():
    """The JSON lines the app's logger writes while the block runs."""
    from chalicelib.core import wiring

    stream, lines = io.StringIO(), []
    log = wiring.get("aws.logger")()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(log.registered_formatter)
    log.addHandler(handler)
    log.setLevel("INFO")
    try:
        yield lines
    finally:
        log.removeHandler(handler)
        lines += [json.loads(ln) for ln in stream.getvalue().splitlines() if ln.startswith("{")]


def test_requests_log_json_with_request_and_tenant_ids(api, monkeypatch):
    _, key = api.new_tenant()
    with captured_lines() as lines:
        reply = api.call("GET", "/v1/api-keys", key)
    request = [line for line in lines if line.get("message") == "request"][-1]
    assert request["tenant_id"].startswith("ten_")
    assert request["request_id"] and request["status"] == 200
    assert request["cold_start"] in (True, False)
    assert request["request_id"] == reply.headers["X-Request-Id"]
    assert key not in json.dumps(lines)


def test_request_lines_name_the_api_after_workers_ran_in_the_process(api):
    from functions import queue_monitor

    # given a worker that ran in this process, one on this thread and one on another
    _, key = api.new_tenant()
    with captured_lines() as lines:
        queue_monitor.handler({}, Context())
        other = threading.Thread(target=queue_monitor.handler, args=({}, Context()))
        other.start()
        other.join()
        # when the API serves a request
        api.call("GET", "/v1/api-keys", key)
        # then a worker that runs after it is not tagged as the API either
        queue_monitor.handler({}, Context())
    request = [ln for ln in lines if ln.get("message") == "request"]
    assert [(ln["function"], ln["status"]) for ln in request] == [("api", 200)]
    assert request[0]["request_id"] != "req-worker"
    invocations = [ln for ln in lines if ln.get("message") == "invocation"]
    assert [ln["function"] for ln in invocations] == ["queue_monitor"] * 3
    assert {ln["request_id"] for ln in invocations} == {"req-worker"}


def test_requests_emit_emf_metrics(api, monkeypatch, capsys):
    from chalicelib.core import wiring

    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    wiring.reset()
    capsys.readouterr()
    api.call("GET", "/v1/health")
    emf = [
        json.loads(line)
        for line in capsys.readouterr().out.splitlines()
        if line.startswith("{") and '"_aws"' in line
    ]
    assert emf, "no EMF document was printed"
    names = {
        m["Name"] for doc in emf for d in doc["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]
    }
    assert {"Requests", "Latency"} <= names


def _emf_names(out: str) -> set[str]:
    docs = [json.loads(ln) for ln in out.splitlines() if ln.startswith("{") and '"_aws"' in ln]
    return {
        m["Name"] for doc in docs for d in doc["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]
    }


def test_a_flush_prints_its_own_threads_metrics_only(aws, monkeypatch, capsys):
    from chalicelib.aws import powertools
    from chalicelib.core import wiring

    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    wiring.reset()
    added, flushed = threading.Event(), threading.Event()

    def other_work():
        powertools.count("OtherThreadWork")
        added.set()
        flushed.wait()
        powertools.metrics().flush_metrics()

    # given another thread's work that added a metric and has not flushed yet
    other = threading.Thread(target=other_work)
    other.start()
    added.wait()
    capsys.readouterr()
    # when this thread's work flushes
    powertools.count("ThisThreadWork")
    powertools.metrics().flush_metrics()
    mine = _emf_names(capsys.readouterr().out)
    flushed.set()
    other.join()
    # then each flush printed its own work's metrics
    assert mine == {"ThisThreadWork"}
    assert _emf_names(capsys.readouterr().out) == {"OtherThreadWork"}


def test_metrics_off_are_forgotten_at_each_flush(aws, monkeypatch, capsys):
    from chalicelib.aws import powertools
    from chalicelib.core import wiring

    # given metrics off, as locally, and 120 requests' worth of flushes
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    wiring.reset()
    capsys.readouterr()
    for _ in range(120):
        powertools.count("Requests")
        powertools.metrics().flush_metrics()
    # then nothing was printed (Powertools prints a metric that reaches 100 values)
    assert _emf_names(capsys.readouterr().out) == set()
