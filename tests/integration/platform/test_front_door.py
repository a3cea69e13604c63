"""The local front door under concurrent clients, as API Gateway + Lambda would serve them:
every request isolated from the others (its body, its tenant, its log lines), and a start
that fails at once, and clearly, when a port is taken or the platform is told to stop."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.integration.conftest import ROOT, eventually

THREADS = 16
PER_TENANT = 60


def _new_tenant(platform, name: str) -> tuple[str, str, str]:
    reply = platform.request(
        "POST", "/v1/tenants", platform.admin_key, json={"name": name, "plan": "business"}
    )
    assert reply.status_code == 201, reply.text
    body = reply.json()
    return body["tenant"]["id"], body["api_key"]["key"], body["api_key"]["id"]


def _suppressed(platform, key: str) -> list[str]:
    found, token = [], None
    for _ in range(20):  # bounded: 2 pages hold every row this test writes
        query = "?limit=100" + (f"&next_token={token}" if token else "")
        page = platform.get(f"/v1/suppressions{query}", key)
        assert page.status_code == 200, page.text
        found += [item["address"] for item in page.json()["items"]]
        token = page.json()["next_token"]
        if not token:
            return found
    raise AssertionError("suppression pages never ended")


def test_two_tenants_writing_at_once_each_get_exactly_their_own_rows(platform):
    # given two tenants and 60 new addresses each to suppress
    run = uuid.uuid4().hex[:8]
    tenants = {name: _new_tenant(platform, f"Concurrent {name} {run}") for name in ("a", "b")}
    jobs = [
        (name, f"{name}-{i}-{run}@concurrent.test") for i in range(PER_TENANT) for name in tenants
    ]

    def post(job: tuple[str, str]) -> tuple[str, str, int, dict]:
        name, address = job
        reply = requests.post(
            f"{platform.url}/v1/suppressions",
            json={"address": address, "reason": f"tenant {name}"},
            headers={"Authorization": f"Bearer {tenants[name][1]}"},
            timeout=60,
        )
        return name, address, reply.status_code, reply.json()

    # when every write goes out at once from 16 threads
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        replies = list(pool.map(post, jobs))

    # then each was answered for its own body and its own tenant's key
    wrong = [
        (name, address, status, body)
        for name, address, status, body in replies
        if status != 201
        or body.get("address") != address
        or body.get("reason") != f"tenant {name}"
        or body.get("actor") != f"api_key:{tenants[name][2]}"
    ]
    assert not wrong, f"{len(wrong)} of {len(replies)} answered wrongly, e.g. {wrong[:3]}"
    # and every row landed under its own tenant: the exact set, none crossed
    for name, (_, key, _) in tenants.items():
        expected = {address for who, address in jobs if who == name}
        stored = _suppressed(platform, key)
        assert len(stored) == len(expected) and set(stored) == expected, (
            f"tenant {name}: {len(set(stored) - expected)} foreign rows, "
            f"{len(expected - set(stored))} missing"
        )


def _logged(platform) -> list[dict]:
    """The platform's complete JSON lines so far (its stdout is written in blocks)."""
    text = platform.output()
    complete = text[: text.rfind("\n") + 1]
    return [json.loads(ln) for ln in complete.splitlines() if ln.startswith("{")]


def test_api_request_lines_name_the_api_not_a_worker(platform):
    # given workers that ran in this process (the welcome mail's notifier, the scheduler's
    # queue monitor)
    seen: set = set()

    def workers_ran():
        seen.update(
            ln.get("function") for ln in _logged(platform) if ln.get("message") == "invocation"
        )
        return {"notifier", "queue_monitor"} <= seen

    try:
        eventually(workers_ran, attempts=100)
    except AssertionError:
        raise AssertionError(
            f"no notifier and queue_monitor lines; invocations of {seen}"
        ) from None
    # when the API serves a request after them
    request_id = platform.get("/v1/tenant", platform.demo_key).headers["X-Request-Id"]

    def its_line():  # more requests push the platform's output buffer to the file
        platform.get("/v1/health")
        lines = _logged(platform)
        return [ln for ln in lines if ln.get("request_id") == request_id] and lines

    lines = eventually(its_line, attempts=100)
    # then its lines, and every request line, are the API's own
    assert {ln.get("function") for ln in lines if ln.get("request_id") == request_id} == {"api"}
    assert {ln.get("function") for ln in lines if ln.get("message") == "request"} == {"api"}
    assert "api" not in {ln.get("function") for ln in lines if ln.get("message") == "invocation"}


def _platform_command(*extra: str) -> list[str]:
    ports = ("--api-port", "--aws-port", "--smtp-port", "--dns-port", "--ws-port")
    chosen = dict.fromkeys(ports, "0")
    for flag, value in zip(extra[::2], extra[1::2], strict=True):
        chosen[flag] = value
    flags = [word for pair in chosen.items() for word in pair]
    return [sys.executable, "-m", "infrastructure.local", "--no-demo", *flags]


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PM_", "POWERTOOLS_"))}


@pytest.mark.parametrize("flag", ["--aws-port", "--api-port", "--dns-port", "--ws-port"])
def test_a_taken_port_fails_at_once_naming_the_port_and_its_flag(flag):
    # given a program already listening on the port asked for (4566 in the report: the AWS one)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        # when the platform is started on it (the timeout only keeps a hang from hanging CI)
        done = subprocess.run(
            _platform_command(flag, str(port)),
            cwd=ROOT,
            env=_clean_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
    # then it exits non-zero, naming the port and the flag that changes it
    assert done.returncode != 0
    said = done.stdout + done.stderr
    assert f"port {port}" in said and f"{flag} PORT" in said, said[-2000:]
    assert "Traceback" not in said, said[-3000:]


def test_sigterm_during_startup_stops_it_before_it_is_ready(tmp_path):
    # given a platform that is starting: its emulator listens, the rest is on its way
    ready = tmp_path / "ready.json"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        aws_port = probe.getsockname()[1]
    process = subprocess.Popen(
        [*_platform_command("--aws-port", str(aws_port)), "--ready-file", str(ready)],
        cwd=ROOT,
        env=_clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        for _ in range(600):  # bounded wait for the emulator's port
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", aws_port)) == 0:
                    break
            assert process.poll() is None, process.communicate()[0][-3000:]
            time.sleep(0.05)
        # when it is told to stop
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    # then it stopped there: never ready, nothing left listening
    assert not ready.exists(), "startup ran to the end despite SIGTERM"
    assert "is running" not in output, output[-3000:]
    assert "stopped" in output, output[-3000:]
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", aws_port)) != 0


def test_the_emulator_on_a_taken_port_raises_instead_of_waiting_forever():
    # given a port taken after the platform's own check (a race): moto's server thread dies
    code = """
import socket
from infrastructure.local.emulator import Emulator
taken = socket.socket()
taken.bind(("127.0.0.1", 0))
taken.listen()
emulator = Emulator("127.0.0.1", taken.getsockname()[1])
try:
    emulator.start()
except OSError as error:
    print("raised", error.errno)
emulator.stop()
"""
    # when it starts (the timeout only keeps a hang from hanging CI)
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    # then start() raised EADDRINUSE
    import errno

    assert f"raised {errno.EADDRINUSE}" in done.stdout, done.stdout + done.stderr[-2000:]
