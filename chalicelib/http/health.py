"""The health report of ``GET /v1/health``: every component the API depends on, checked
concurrently, each within a short timeout. The local platform registers its own components
(pumps, scheduler, SMTP and DNS servers) through ``register_check``. Nothing secret is
reported.
"""

from __future__ import annotations

import functools
import socket
import time
from concurrent.futures import ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Any

from chalicelib.aws import clients, sqs
from chalicelib.core.settings import settings

if TYPE_CHECKING:
    from collections.abc import Callable

CHECK_TIMEOUT = 3.0
_extra_checks: dict[str, Callable[[], str]] = {}


def register_check(name: str, check: Callable[[], str]) -> None:
    """A check returns a short detail string when healthy and raises when not."""
    _extra_checks[name] = check


def _dynamodb() -> str:
    clients.dynamodb().describe_table(TableName=settings().table("TenantsTable"))
    return "tables reachable"


def _sqs(queues: dict[str, dict[str, Any]]) -> str:
    """Every queue's depth, read concurrently, into ``queues`` (name → depth and whether it
    is a dead-letter queue); down when one cannot be read."""
    found = settings().queue_urls()
    client = clients.sqs()
    with ThreadPoolExecutor(max_workers=max(1, len(found))) as pool:
        depths = {ref: pool.submit(sqs.depth, client, url) for ref, url in found.items()}
    for ref, depth in depths.items():
        queues[ref.name] = {"depth": depth.result(), "dead_letter": ref.is_dead_letter}
    parked = sum(q["depth"] for q in queues.values() if q["dead_letter"])
    return f"{len(queues)} queues, {parked} dead-letter messages"


def _kinesis() -> str:
    summary = clients.kinesis().describe_stream_summary(StreamName=settings().events_stream)
    return str(summary["StreamDescriptionSummary"]["StreamStatus"]).lower()


def _s3() -> str:
    clients.s3().head_bucket(Bucket=settings().bucket)
    return "bucket reachable"


def _smtp_relay() -> str:
    s = settings()
    with socket.create_connection((s.notify_smtp_host, s.notify_smtp_port), timeout=2) as conn:
        banner = conn.recv(512).decode("ascii", "replace")
    if not banner.startswith("220"):
        raise RuntimeError("unexpected SMTP greeting")
    return "greeting 220"


def _checks(queues: dict[str, dict[str, Any]]) -> dict[str, Callable[[], str]]:
    return {
        "dynamodb": _dynamodb,
        "sqs": functools.partial(_sqs, queues),
        "kinesis": _kinesis,
        "s3": _s3,
        "smtp_relay": _smtp_relay,
        **_extra_checks,
    }


def _timed(check: Callable[[], str]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        detail, status = check(), "ok"
    except Exception as exc:  # noqa: BLE001 - a failing component is reported, not raised
        detail, status = type(exc).__name__, "down"
    return {
        "status": status,
        "detail": detail,
        "latency_ms": round((time.perf_counter() - started) * 1000, 1),
    }


def run_checks() -> dict[str, Any]:
    queues: dict[str, dict[str, Any]] = {}
    checks = _checks(queues)
    pool = ThreadPoolExecutor(max_workers=len(checks))
    futures = {name: pool.submit(_timed, check) for name, check in checks.items()}
    wait(futures.values(), timeout=CHECK_TIMEOUT)
    pool.shutdown(wait=False, cancel_futures=True)
    components = {
        name: f.result()
        if f.done()
        else {"status": "down", "detail": "timed out", "latency_ms": CHECK_TIMEOUT * 1000}
        for name, f in futures.items()
    }
    down = any(c["status"] != "ok" for c in components.values())
    return {
        "status": "degraded" if down else "ok",
        "stage": settings().stage,
        "components": components,
        "queues": dict(sorted(queues.items())) if futures["sqs"].done() else {},
    }
