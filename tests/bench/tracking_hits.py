"""Tracking hits in-process: p50 and p99 per request of the open pixel and the click
redirect, through the whole Chalice app (middleware, token check, human/machine verdict,
event built), with the Kinesis call and the clicks table's UpdateItem replaced by no-ops so
only our own work is timed. The
tokens are valid and signed with the stack's key; a bad-token pixel is timed too (it must be
as cheap). The cold start of the same entry point is in ``cold_start``.

Run: ``python -m tests.bench.tracking_hits [--requests N]``; prints only.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from typing import Any


class _NoStream:
    def __init__(self) -> None:
        self.events = 0

    def publish(self, event: dict[str, Any]) -> None:
        self.events += 1


class _NoClicks:
    def record(
        self, tenant_id: str, message_id: str, link_index: int, at: float
    ) -> list[tuple[int, float]]:
        return []


def _event(path: str, template: str, token: str, agent: str) -> dict[str, Any]:
    return {
        "requestContext": {
            "httpMethod": "GET",
            "resourcePath": template,
            "path": path,
            "identity": {"sourceIp": "203.0.113.9"},
        },
        "headers": {"host": "t.bench.test", "accept": "*/*", "user-agent": agent},
        "pathParameters": {"token": token},
        "stageVariables": {},
        "multiValueQueryStringParameters": None,
        "body": None,
    }


def _time(app: Any, event: dict[str, Any], expect: int, n: int) -> list[float]:
    from tests.bench._quiet import discard_stdout

    samples = []
    with discard_stdout():  # EMF metric lines, not ours to time
        _run(app, event, expect, n, samples)
    return samples


def _run(app: Any, event: dict[str, Any], expect: int, n: int, samples: list[float]) -> None:
    for _ in range(n):
        started = time.perf_counter()
        reply = app(event, None)
        samples.append((time.perf_counter() - started) * 1000)
        if reply["statusCode"] != expect:
            raise RuntimeError(f"unexpected {reply['statusCode']} for {event['requestContext']}")


def main(argv: list[str] | None = None) -> int:
    from tests.bench._quiet import quiet

    quiet()
    parser = argparse.ArgumentParser(prog="python -m tests.bench.tracking_hits")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=1, help="accepted for make bench; unused")
    n = parser.parse_args(argv).requests
    os.environ.update({"POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "ERROR"})
    from moto import mock_aws

    from chalicelib.core import wiring
    from chalicelib.core.settings import reset_settings
    from chalicelib.sending.rules.tokens import TokenClaims, encode
    from tests.functional.conftest import _deploy, environment

    os.environ.pop("AWS_ENDPOINT_URL", None)  # moto in-process, not a server
    with mock_aws():
        os.environ.update({**environment(_deploy("us-east-1")), "POWERTOOLS_LOG_LEVEL": "ERROR"})
        reset_settings()
        wiring.reset()
        stream = _NoStream()
        wiring.override("aws.events", stream)
        wiring.override("tracking.recent_clicks", _NoClicks())
        from app import app

        keys, expires = wiring.get("sending.tracking_keys")(), int(time.time()) + 3600
        tenant = "ten_abcdefghijklmnopqrst"
        opened = encode(TokenClaims("open", tenant, "msg_bench", expires), keys)
        url = "https://example.com/pricing?plan=pro"
        clicked = encode(TokenClaims("click", tenant, "msg_bench", expires, 2, url), keys)
        human = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1"
        cases = [
            ("open pixel (valid token)", f"/t/o/{opened}", "/t/o/{token}", opened, 200),
            ("open pixel (bad token)", "/t/o/garbage", "/t/o/{token}", "garbage", 200),
            ("click redirect (valid token)", f"/t/c/{clicked}", "/t/c/{token}", clicked, 302),
            ("click (tampered token: 404)", "/t/c/x" + clicked[1:], "/t/c/{token}",
             "x" + clicked[1:], 404),
        ]  # fmt: skip
        print(f"tracking hits in-process, {n} requests each (after 200 warm-up), ms")
        print(f"{'route':<32}{'p50':>9}{'p90':>9}{'p99':>9}")
        for name, path, template, token, expect in cases:
            event = _event(path, template, token, human)
            _time(app, event, expect, 200)
            samples = sorted(_time(app, event, expect, n))
            p50, p90 = statistics.median(samples), samples[int(len(samples) * 0.9)]
            p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
            print(f"{name:<32}{p50:>9.3f}{p90:>9.3f}{p99:>9.3f}")
        print(f"events built for the stream (Kinesis call replaced): {stream.events}")
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
