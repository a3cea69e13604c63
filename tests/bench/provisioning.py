"""Provisioning on the local platform, step by step: ``python -m tests.bench.provisioning``.

Starts the platform as ``make run`` does (time scale 60: a Wait of 10 s is 1 s, every Retry
interval at least 1 s), then provisions ``--servers`` servers one after the other for one
tenant (two mailboxes each) through the API, and prints for each step of the provision state
machine the median time from its start to its end and its attempts, the time from the
request to ``ready``, and the share of it the steps themselves take (the rest is the
engine: Waits, Retry intervals, state transitions). Each server is decommissioned after.
The product's target is a ready server in under 30 minutes on real providers; locally the
providers answer at once, so these figures are the platform's own overhead, not a forecast.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any


def _seconds(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    parse = datetime.fromisoformat
    return (parse(end.replace("Z", "+00:00")) - parse(start.replace("Z", "+00:00"))).total_seconds()


def _ok(reply: Any, *codes: int) -> Any:
    if reply.status_code not in codes:
        raise RuntimeError(f"{reply.request.method} {reply.url}: {reply.status_code} {reply.text}")
    return reply.json()


def _provision(platform: Any, key: str, domain: str) -> tuple[dict[str, Any], float]:
    body = {
        "region": "us-east",
        "size": "small",
        "domain": domain,
        "mailboxes": [{"local_part": "anna"}, {"local_part": "ben"}],
    }
    started = time.monotonic()
    server = _ok(platform.request("POST", "/v1/servers", key, json=body), 201)
    for _ in range(1200):  # bounded: 10 minutes
        now = _ok(platform.get(f"/v1/servers/{server['id']}", key), 200)
        if now["status"] in ("ready", "failed", "rolled_back"):
            return now, time.monotonic() - started
        time.sleep(0.5)
    raise RuntimeError(f"server {server['id']} never finished")


def _decommission(platform: Any, key: str, server_id: str) -> None:
    _ok(platform.request("DELETE", f"/v1/servers/{server_id}", key), 202)
    for _ in range(600):
        now = _ok(platform.get(f"/v1/servers/{server_id}", key), 200)
        if now["status"] in ("decommissioned", "failed"):
            return
        time.sleep(0.5)


def measure(platform: Any, servers: int) -> None:
    body = {"name": "Bench agency", "plan": "business", "postal_address": "1 Road, Town"}
    key = _ok(platform.request("POST", "/v1/tenants", platform.admin_key, json=body), 201)
    key = key["api_key"]["key"]
    per_step: dict[str, list[float]] = {}
    attempts: dict[str, list[int]] = {}
    totals, in_steps = [], []
    for n in range(servers):
        server, took = _provision(platform, key, f"bench{n}-{uuid.uuid4().hex[:6]}.test")
        if server["status"] != "ready":
            raise RuntimeError(
                f"server {server['id']} ended {server['status']}: {server['failure']}"
            )
        totals.append(took)
        own = 0.0
        for step in server["steps"]:
            spent = _seconds(step["started_at"], step["ended_at"])
            if spent is None:
                continue
            per_step.setdefault(step["name"], []).append(spent)
            attempts.setdefault(step["name"], []).append(step["attempts"])
            own += spent
        in_steps.append(own)
        _decommission(platform, key, server["id"])
    print(f"provisioning: {servers} server(s), 2 mailboxes each, local providers, time scale 60")
    print(f"{'step':<20}{'median s':>10}{'attempts':>10}")
    for name, spent in per_step.items():
        print(f"{name:<20}{statistics.median(spent):>10.2f}{max(attempts[name]):>10}")
    total, own = statistics.median(totals), statistics.median(in_steps)
    print(
        f"request to ready (median): {total:.1f} s; in the steps themselves {own:.1f} s "
        f"({own / total:.0%}); the rest is Waits, Retry intervals and the engine"
    )
    print("target (PRODUCT.md): under 30 minutes on real providers")


def main(argv: list[str] | None = None) -> int:
    from tests.bench._quiet import quiet

    quiet()
    parser = argparse.ArgumentParser(prog="python -m tests.bench.provisioning")
    parser.add_argument("--servers", type=int, default=3, help="servers provisioned in turn")
    parser.add_argument("--runs", type=int, default=1, help="accepted for make bench; unused")
    args = parser.parse_args(argv)
    from tests.integration.conftest import start_platform, stop_platform

    with tempfile.TemporaryDirectory() as tmp:
        platform = start_platform(Path(tmp), "--no-demo")
        try:
            measure(platform, args.servers)
        finally:
            stop_platform(platform)
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
