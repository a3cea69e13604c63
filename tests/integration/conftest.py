"""Integration tier: the local platform started for real, once per session, as a
subprocess on free loopback ports, and driven over HTTP, SMTP, DNS and the emulator."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]


class RunningPlatform:
    def __init__(self, process: subprocess.Popen, facts: dict, log_path: Path) -> None:
        self.process = process
        self.facts = facts
        self.log_path = log_path

    @property
    def url(self) -> str:
        return self.facts["api_url"]

    @property
    def ports(self) -> dict:
        return self.facts["ports"]

    @property
    def admin_key(self) -> str:
        return self.facts["admin_key"]

    @property
    def demo_key(self) -> str:
        return self.facts["demo_tenant"]["api_key"]["key"]

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def get(self, path: str, key: str | None = None, **kw) -> requests.Response:
        return self.request("GET", path, key, **kw)

    def request(self, method: str, path: str, key: str | None = None, **kw) -> requests.Response:
        headers = kw.pop("headers", {})
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return requests.request(method, self.url + path, headers=headers, timeout=30, **kw)

    def aws(self, service: str):
        return boto3.session.Session().client(
            service,
            region_name="us-east-1",
            endpoint_url=f"http://127.0.0.1:{self.ports['aws']}",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )


def start_platform(tmp: Path, *extra: str, health_monitor: bool = False) -> RunningPlatform:
    """Start ``python -m infrastructure.local`` on free ports. The health monitor is held
    unless asked for: tests bounce on purpose, and a monitor firing on its own would pause
    their mailboxes at a moment no test chooses (``POST /local/schedules/run`` fires it)."""
    ready = tmp / "ready.json"
    log_path = tmp / "platform.log"
    # the platform configures itself: nothing of this process's AWS, app or Powertools
    # settings (the functional tier sets some for its own session) may reach it
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PM_", "POWERTOOLS_"))}
    command = [
        sys.executable,
        "-m",
        "infrastructure.local",
        "--api-port",
        "0",
        "--aws-port",
        "0",
        "--smtp-port",
        "0",
        "--dns-port",
        "0",
        "--ws-port",
        "0",
        "--ready-file",
        str(ready),
        *([] if health_monitor else ["--hold-schedule", "HealthMonitorSchedule"]),
        *extra,
    ]
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(1200):  # bounded: two minutes at most
        if ready.exists() and ready.stat().st_size:
            return RunningPlatform(process, json.loads(ready.read_text()), log_path)
        if process.poll() is not None:
            break
        time.sleep(0.1)
    process.kill()
    raise RuntimeError("the local platform did not start:\n" + log_path.read_text()[-4000:])


def stop_platform(platform: RunningPlatform, grace: float = 10) -> int:
    """Ctrl-C, then a kill after ``grace`` seconds: a fixture's teardown needs the ports and
    threads gone, not a clean exit (test_platform's Ctrl-C test asks for that one)."""
    if platform.process.poll() is None:
        platform.process.send_signal(signal.SIGINT)
    try:
        return platform.process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        platform.process.kill()
        return -9


@pytest.fixture(scope="session")
def platform(tmp_path_factory):
    """One platform for the integration tier. Its health monitor is held: many tests bounce
    on purpose from the demo mailboxes, and the monitor would pause them (as it must) under
    the next test; the health tests fire it for their own tenants."""
    running = start_platform(tmp_path_factory.mktemp("platform"))
    yield running
    stop_platform(running)


@pytest.fixture(scope="module")
def clock_platform(tmp_path_factory):
    """A platform of the module's own, for tests that move its clock (``POST /local/clock``)
    a day at a time: on the shared one that would move every other test's days. Module
    scope: it stops as soon as the worker leaves the module."""
    running = start_platform(tmp_path_factory.mktemp("clock-platform"))
    yield running
    stop_platform(running)


@pytest.fixture(scope="module")
def moto_endpoint():
    """A bare emulator on a free loopback port, for tests of one local server at a time."""
    from moto.server import ThreadedMotoServer

    with pytest.MonkeyPatch.context() as mp:
        for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            mp.setenv(key, "testing")
        mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        yield f"http://127.0.0.1:{server._server.server_port}"
        server.stop()


def route53_at(endpoint: str):
    return boto3.client(
        "route53",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def eventually(check, attempts: int = 150, pause: float = 0.2):
    """Poll a condition a bounded number of times; returns its last truthy value."""
    last = None
    for _ in range(attempts):
        last = check()
        if last:
            return last
        time.sleep(pause)
    raise AssertionError(f"condition never held; last value: {last!r}")
