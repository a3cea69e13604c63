"""Every request logs one JSON line (request id, tenant id, cold start) and EMF metrics."""

import io
import json
import logging


def test_requests_log_json_with_request_and_tenant_ids(api, monkeypatch):
    from chalicelib.core import wiring

    stream = io.StringIO()
    _, key = api.new_tenant()
    log = wiring.get("aws.logger")()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(log.registered_formatter)
    log.addHandler(handler)
    log.setLevel("INFO")
    try:
        api.call("GET", "/v1/api-keys", key)
    finally:
        log.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]
    request = [line for line in lines if line.get("message") == "request"][-1]
    assert request["tenant_id"].startswith("ten_")
    assert request["request_id"] and request["status"] == 200
    assert request["cold_start"] in (True, False)
    assert key not in stream.getvalue()


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
