"""``GET /v1/health``: every component the API depends on, checked concurrently.

Each check has a short timeout. The local platform registers its own components (pumps,
scheduler, SMTP and DNS servers) through ``register_check``. Nothing secret is reported.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait

from chalice import Blueprint

from chalicelib import deps
from chalicelib.api.pipeline import Call
from chalicelib.api.routing import Reply, route
from chalicelib.settings import settings

bp = Blueprint(__name__)
bp.pm_prefix = "/v1"
CHECK_TIMEOUT = 3.0
_extra_checks: dict[str, Callable[[], str]] = {}


def register_check(name: str, check: Callable[[], str]) -> None:
    """A check returns a short detail string when healthy and raises when not."""
    _extra_checks[name] = check


def _dynamodb() -> str:
    deps.client("dynamodb").describe_table(TableName=settings().tenants_table)
    return "tables reachable"


def _sqs() -> str:
    attrs = deps.client("sqs").get_queue_attributes(
        QueueUrl=settings().notifications_queue_url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    return f"notifications queue depth {attrs.get('ApproximateNumberOfMessages', '?')}"


def _kinesis() -> str:
    summary = deps.client("kinesis").describe_stream_summary(StreamName=settings().events_stream)
    return summary["StreamDescriptionSummary"]["StreamStatus"].lower()


def _s3() -> str:
    deps.client("s3").head_bucket(Bucket=settings().bucket)
    return "bucket reachable"


def _smtp_relay() -> str:
    s = settings()
    with socket.create_connection((s.notify_smtp_host, s.notify_smtp_port), timeout=2) as conn:
        banner = conn.recv(512).decode("ascii", "replace")
    if not banner.startswith("220"):
        raise RuntimeError("unexpected SMTP greeting")
    return "greeting 220"


def _checks() -> dict[str, Callable[[], str]]:
    return {
        "dynamodb": _dynamodb,
        "sqs": _sqs,
        "kinesis": _kinesis,
        "s3": _s3,
        "smtp_relay": _smtp_relay,
        **_extra_checks,
    }


def _timed(check: Callable[[], str]) -> dict:
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


def run_checks() -> dict:
    checks = _checks()
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
    }


@route(
    bp,
    "/health",
    "GET",
    auth="public",
    tag="platform",
    reply="chalicelib.api.models.HealthReply",
    errors=(503,),
    summary="Health of every component; 503 when one is down.",
)
def health(call: Call) -> Reply:
    report = run_checks()
    return Reply(report, 200 if report["status"] == "ok" else 503)
