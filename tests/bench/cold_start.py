"""Cold starts: the fresh-process time to import each entry point and answer one call.

Entry points: the Chalice ``app`` (``GET /v1/tenant`` with a real tenant key, and the open
pixel ``GET /t/o/{token}`` with a valid token: the tracking goal is 1.3x the floor) and every
``functions/*.py`` module with a ``handler``, fed the event its trigger in the template sends.
Each run is a new ``python`` process against the emulator (moto on loopback, started here); the
child checks its answer and prints its import and call times as a marked last JSON line. The
headline is spawn to answer (CLOCK_MONOTONIC, shared by both processes); interpreter teardown,
which no Lambda cold start includes, is shown apart as "exit". Floors, same run: a bare
process that imports boto3 and builds one client, then the same plus one real call. No
assertions on time: this only prints numbers.

Run: ``python -m tests.bench.cold_start [--runs N]`` (``make bench`` runs every bench module).
"""

from __future__ import annotations

import argparse
import base64
import importlib
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from infrastructure.local import template as tpl
from infrastructure.local.emulator import ACCOUNT, REGION, Emulator
from infrastructure.local.platform import app_environment
from infrastructure.local.ports import Ports

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
MARK = "BENCH-RESULT "
CHILD = """
import json, sys, time
spec = json.loads(sys.stdin.readline())
class Context:
    aws_request_id, function_name, function_version = spec["request_id"], spec["name"], "$LATEST"
    memory_limit_in_mb, log_group_name, log_stream_name = spec["memory"], "", ""
    invoked_function_arn = "arn:aws:lambda:%(region)s:%(account)s:function:%(name)s" % spec
    deadline = time.monotonic() + spec["timeout"]
    def get_remaining_time_in_millis(self):
        return int((self.deadline - time.monotonic()) * 1000)
t0 = time.perf_counter()
if spec["module"] is None:
    import boto3
    t1 = time.perf_counter()
    client = boto3.client("kinesis", region_name="us-east-1")
    result = client.list_streams()["StreamNames"] if spec["call"] else None
else:
    import importlib
    module = importlib.import_module(spec["module"])
    t1 = time.perf_counter()
    result = getattr(module, spec["attr"])(spec["event"], Context())
t2 = time.perf_counter()
expect = spec["expect"]
if expect is not None and (not isinstance(result, dict) or any(
        k not in result or (v is not None and result[k] != v) for k, v in expect.items())):
    sys.exit("BENCH FAILED: %s answered %r, expected %r" % (spec["name"], result, expect))
done = {"answered": time.monotonic(), "import": (t1 - t0) * 1e3, "call": (t2 - t1) * 1e3}
print("\\nMARKER" + json.dumps(done))
""".replace("MARKER", MARK)


@dataclass
class Entry:
    label: str
    module: str | None  # None: the boto3 floor
    attr: str = "handler"
    event: Callable[[], Any] = lambda: None
    expect: dict[str, Any] | None = None
    memory: int = 128
    timeout: int = 30
    call: bool = False
    ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def median(self, key: str) -> float:
        return statistics.median(self.ms[key])


class _SinkController(Controller):
    """aiosmtpd's plain Controller, able to listen on port 0 (it self-connects to ``port``)."""

    def _trigger_server(self) -> None:
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class _CountingSink:
    def __init__(self) -> None:
        self.messages = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages += 1
        return "250 2.0.0 OK"


def api_event(token: str) -> dict[str, Any]:
    """``GET /v1/tenant`` shaped the way ``chalice.local.LambdaEventConverter`` shapes it."""
    context = {"httpMethod": "GET", "resourcePath": "/v1/tenant", "path": "/v1/tenant"}
    headers = {"host": HOST, "accept": "application/json", "authorization": f"Bearer {token}"}
    return {
        "requestContext": context | {"identity": {"sourceIp": HOST}}, "headers": headers,
        "pathParameters": None, "stageVariables": {}, "multiValueQueryStringParameters": None,
        "body": None,
    }  # fmt: skip


def pixel_event(token: str) -> dict[str, Any]:
    """``GET /t/o/{token}``: the tracking entry point's hottest route, with a valid token."""
    path = f"/t/o/{token}"
    context = {"httpMethod": "GET", "resourcePath": "/t/o/{token}", "path": path}
    headers = {"host": HOST, "accept": "image/*", "user-agent": "Mozilla/5.0 (iPhone) Mail"}
    return {
        "requestContext": context | {"identity": {"sourceIp": HOST}}, "headers": headers,
        "pathParameters": {"token": token}, "stageVariables": {},
        "multiValueQueryStringParameters": None, "body": None,
    }  # fmt: skip


def open_token(emulator: Emulator, tenant_id: str) -> str:
    from chalicelib.sending.rules.tokens import TokenClaims, encode, load_keys

    keys = load_keys(emulator.secret_values["TrackingKeysSecret"])
    return encode(TokenClaims("open", tenant_id, "msg_bench", int(time.time()) + 86400), keys)


def worker_entries(emulator: Emulator, tenant_id: str) -> dict[str, Entry]:
    """handler -> Entry with a fresh event per call, for every trigger in the template."""
    from chalicelib.accounts.rules.notifications import new_job
    from chalicelib.core.events import new_event

    def now() -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())

    def sqs(arn: str) -> dict[str, Any]:  # the stack's only queue carries notification jobs
        facts = {"tenant_name": "Bench", "tenant_id": tenant_id, "plan": "professional"}
        job = new_job("tenant.welcome", tenant_id, "owner@bench.test", facts)
        attrs = {"ApproximateReceiveCount": "1", "SentTimestamp": str(int(time.time() * 1e3))}
        record = {"messageId": str(uuid.uuid4()), "receiptHandle": "bench", "attributes": attrs}
        record |= {"body": json.dumps(job), "messageAttributes": {}, "md5OfBody": ""}
        record |= {"eventSource": "aws:sqs", "eventSourceARN": arn, "awsRegion": REGION}
        return {"Records": [record]}

    def kinesis(arn: str) -> dict[str, Any]:
        event = new_event("tenant.created", tenant_id, now(), plan="professional")
        seq = str(time.time_ns())
        data = base64.b64encode(json.dumps(event).encode()).decode()
        payload = {"kinesisSchemaVersion": "1.0", "partitionKey": tenant_id, "data": data}
        payload |= {"sequenceNumber": seq, "approximateArrivalTimestamp": time.time()}
        record = {"kinesis": payload, "eventSource": "aws:kinesis", "eventVersion": "1.0"}
        record |= {"eventID": f"shardId-000000000000:{seq}", "eventName": "aws:kinesis:record"}
        record |= {"eventSourceARN": arn, "awsRegion": REGION}
        return {"Records": [record]}

    def scheduled(rule: str) -> dict[str, Any]:
        rule_arn = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{rule}"
        return {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event"} | {
            "source": "aws.events", "account": ACCOUNT, "time": now(), "region": REGION,
            "resources": [rule_arn], "detail": {},
        }  # fmt: skip

    template, found = tpl.load(), {}
    resources = template["Resources"]

    def entry(fn: tpl.FunctionSpec, kind: str, event: Callable, expect: dict) -> None:
        module, memory = fn.handler.rsplit(".", 1)[0], resources[fn.logical_id]["Properties"]
        label, memory = f"{module} ({kind})", memory.get("MemorySize", 128)
        found[fn.handler] = Entry(label, module, "handler", event, expect, memory, fn.timeout)

    for m in tpl.mappings(template):
        build, kind = (sqs, "sqs") if m.source_type == "AWS::SQS::Queue" else (kinesis, "kinesis")
        arn = emulator.arn(m.source_logical_id)
        entry(m.function, kind, lambda b=build, a=arn: b(a), {"batchItemFailures": []})
    for s in tpl.schedules(template):
        expect = SCHEDULE_EXPECT.get(s.function.handler, {})
        entry(s.function, "schedule", lambda r=s.logical_id: scheduled(r), expect)
    return found


# What each scheduled handler's reply must hold (None: any value); unknown ones: a dict.
SCHEDULE_EXPECT = {
    "functions.queue_monitor.handler": {"depths": None},
    "functions.domain_verifier.handler": {"checked": None, "errors": 0},
    "functions.inbound_poller.handler": {"queued": None},
}


def entry_points(emulator: Emulator, tenant_id: str, token: str) -> list[Entry]:
    chalice = json.loads((ROOT / ".chalice" / "config.json").read_text())
    memory, timeout = chalice.get("lambda_memory_size", 128), chalice.get("lambda_timeout", 60)
    api = Entry("app (GET /v1/tenant)", "app", "app", lambda: api_event(token), {"statusCode": 200})
    api.memory, api.timeout = memory, timeout
    entries = [
        Entry("floor: boto3 + client", None),
        Entry("floor: + list_streams", None, call=True),
    ]
    entries.append(api)
    pixel = open_token(emulator, tenant_id)
    tracking = Entry(
        "app (GET /t/o/{token} pixel)", "app", "app", lambda: pixel_event(pixel),
        {"statusCode": 200},
    )  # fmt: skip
    tracking.memory, tracking.timeout = memory, timeout
    entries.append(tracking)
    workers = worker_entries(emulator, tenant_id)
    for path in sorted((ROOT / "functions").glob("*.py")):
        module = f"functions.{path.stem}"
        if path.stem.startswith("_") or not hasattr(importlib.import_module(module), "handler"):
            continue
        if f"{module}.handler" not in workers:  # a state machine's task, a Firehose transform
            print(f"not measured: {module}.handler (no queue, stream or schedule trigger)")
            continue
        entries.append(workers[f"{module}.handler"])
    return entries


def run_once(entry: Entry, env: dict[str, str]) -> None:
    spec = {"module": entry.module, "attr": entry.attr, "event": entry.event()}
    spec |= {"expect": entry.expect, "call": entry.call, "name": entry.module or "floor"}
    spec |= {"request_id": str(uuid.uuid4()), "memory": entry.memory, "timeout": entry.timeout}
    spec |= {"region": REGION, "account": ACCOUNT}
    started = time.monotonic()
    child = subprocess.run(
        [sys.executable, "-c", CHILD], input=json.dumps(spec) + "\n", env=env, cwd=ROOT,
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    ended = time.monotonic()
    lines = child.stdout.strip().splitlines()
    if child.returncode != 0 or not lines or not lines[-1].startswith(MARK):
        raise RuntimeError(
            f"{entry.label}: child exited {child.returncode}\n{child.stderr[-3000:]}"
        )
    report = json.loads(lines[-1][len(MARK) :])
    answered = report.pop("answered")
    report |= {"answer": (answered - started) * 1e3, "exit": (ended - answered) * 1e3}
    for key, value in report.items():
        entry.ms[key].append(value)


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10, method="inclusive")[8] if values[1:] else values[0]


def print_table(entries: list[Entry], runs: int) -> None:
    floor, floor_call = (e.median("answer") for e in entries[:2])
    print(f"\ncold start, spawn to answer, {runs} fresh processes each (+1 warm-up), ms")
    head = ("entry point", "median", "p90", "x floor", "x fl+call", "import", "call", "exit")
    print(f"{head[0]:<36}" + "".join(f"{h:>10}" for h in head[1:]))
    row = "{:<36}" + "{:>10.0f}" * 2 + "{:>10.2f}" * 2 + "{:>10.0f}" * 3
    for e in entries:
        median, parts = e.median("answer"), ("import", "call", "exit")
        ratios = (median / floor, median / floor_call)
        print(row.format(e.label, median, p90(e.ms["answer"]), *ratios, *map(e.median, parts)))
    print("import, call: medians inside the child (floors: import boto3, client [+ call]);")
    print("exit: answer to process end (interpreter teardown, not part of a Lambda cold start)")


def main(argv: list[str] | None = None) -> int:
    from tests.bench._quiet import quiet

    quiet()
    parser = argparse.ArgumentParser(prog="python -m tests.bench.cold_start", description=__doc__)
    parser.add_argument("--runs", type=int, default=7, help="fresh processes per entry point")
    parser.add_argument("--only", default="", help="entry points whose label holds this text")
    args = parser.parse_args(argv)
    runs = max(1, args.runs)
    emulator, sink = Emulator(HOST, port=0), _CountingSink()
    smtp = _SinkController(sink, hostname=HOST, port=0)
    try:
        emulator.start()
        smtp.start()
        env = app_environment(emulator, Ports(aws=emulator.port, smtp=smtp.port), HOST)
        os.environ.update(env)  # this process creates the tenant (metrics off here)
        from chalicelib.accounts.service import tenants as accounts
        from chalicelib.core import wiring
        from chalicelib.core.settings import reset_settings

        reset_settings()
        wiring.reset()
        tenant, token, _ = accounts.open_tenant(
            wiring.get("accounts.ports")(),
            "Bench Agency",
            "professional",
            "owner@bench.test",
            "1 Bench St",
        )
        child_env = dict(os.environ) | {"PM_NOTIFY_SMTP_SECURITY": "none"}
        child_env |= {"PM_NOTIFY_SMTP_SECRET": "", "PM_NOTIFY_SMTP_USERNAME": ""}  # no AUTH
        child_env.pop("POWERTOOLS_METRICS_DISABLED", None)  # children emit EMF like Lambda
        # the warm-up run writes byte-code caches, as the functions' artifact ships them
        child_env.pop("PYTHONDONTWRITEBYTECODE", None)
        entries = entry_points(emulator, tenant.tenant_id, token)
        entries = entries[:2] + [e for e in entries[2:] if args.only in e.label]
        for i in range(runs + 1):  # round robin, so drift hits every entry point alike
            for entry in entries:
                run_once(entry, child_env)
                if i == 0:  # warm-up: byte-code caches written, discarded
                    entry.ms.clear()
        print_table(entries, runs)
        print(f"SMTP sink received {sink.messages} notification(s)")
    finally:
        smtp.stop(no_assert=True)
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
