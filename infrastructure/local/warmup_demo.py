"""The warm-up demo on a running local platform: ``python -m infrastructure.local.warmup_demo``.

Against the platform at ``--api`` (``make run`` started with a short warm-up day, e.g.
``--warmup-day-seconds 20``), or one it starts itself (``--start``):

1. the demo tenant's three mailboxes (alice, bob, carol) start warm-up on the standard plan
   in the pool; a fourth, dave, joins them with the local simulator refusing
   ``--bounce-rate`` of the recipients he sends to (a hard bounce at RCPT);
2. it waits until the three have closed ``--days`` days (and dave has paused), printing each
   day as it closes: the target, what was sent, bounced, where the pool found it and what
   the pool did, and the decision with its reason;
3. it prints the pool's rates (opened, rescued from spam, replied) against the configured
   ones, and the tenant's analytics (sends counted outside warm-up: none).

``run`` returns the facts it printed, for the integration test; ``--check`` makes the
process exit 1 when a Done-when condition does not hold.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

import requests

from chalicelib.warmup.behaviour import DEFAULT_RATES
from chalicelib.warmup.rules import volume

PLAN = "standard"
DEMO_BOXES = ("alice", "bob", "carol")
BOUNCER = "dave"
POLL_SECONDS = 5.0  # each GET reads the day's messages: a demo polling faster slows the platform


@dataclass
class DemoResult:
    days: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # email -> closed days
    status: dict[str, dict[str, Any]] = field(default_factory=dict)  # email -> warm-up reply
    pool: dict[str, int] = field(default_factory=dict)
    analytics: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


class Api:
    def __init__(self, base: str, key: str = "") -> None:
        self.base, self.key = base.rstrip("/"), key

    def call(self, method: str, path: str, body: Any = None, ok: tuple[int, ...] = ()) -> Any:
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        reply = requests.request(method, self.base + path, json=body, headers=headers, timeout=60)
        if reply.status_code >= 400 and reply.status_code not in ok:
            raise RuntimeError(f"{method} {path}: {reply.status_code} {reply.text[:300]}")
        return reply.json() if reply.content else {}


def _add_bouncer(api: Api, platform: dict[str, Any]) -> dict[str, Any]:
    """dave@<demo domain>: a local SMTP user, a mailbox, tested; the simulator refuses the
    recipients of a share of his mail."""
    domain = api.call("GET", "/v1/domains")["items"][0]["name"]
    address, password = f"{BOUNCER}@{domain}", secrets.token_urlsafe(12)
    local = Api(api.base)
    local.call("POST", "/local/smtp/users", {"email": address, "password": password})
    existing = {m["email"]: m for m in api.call("GET", "/v1/mailboxes")["items"]}
    if address in existing:
        return existing[address]
    smtp = platform["ports"]
    box = api.call(
        "POST",
        "/v1/mailboxes",
        {
            "email": address,
            "display_name": "Dave",
            "daily_limit": 100,
            "smtp": {
                "host": "127.0.0.1",
                "port": smtp["smtp"],
                "security": "starttls",
                "username": address,
                "password": password,
            },
        },
    )
    return api.call("POST", f"/v1/mailboxes/{box['id']}/test")


def _closed(warmup: dict[str, Any]) -> list[dict[str, Any]]:
    return [day for day in warmup.get("history", []) if day.get("decision")]


def _engagement_tail(
    api: Api, result: DemoResult, boxes: dict[str, Any], day_seconds: float
) -> None:
    """Replies come up to 48 hours after a message arrived: wait two warm-up days more
    (the pool keeps acting), then read every day's pool counters as they are now."""
    print(f"waiting {2 * day_seconds:.0f} s (two warm-up days) for the pool's late replies")
    time.sleep(2 * day_seconds)
    for email in result.days:
        warmup = api.call("GET", f"/v1/mailboxes/{boxes[email]['id']}/warmup")
        closed = {d["on"]: d for d in _closed(warmup)}
        result.days[email] = [closed.get(d["on"], d) for d in result.days[email]]


def _print_day(email: str, day: dict[str, Any]) -> None:
    s, d = day["stats"], day["decision"]
    print(
        f"{email:<18} {day['on']}  day {day['day']:>2}  target {day['target']:>4}  "
        f"sent {s['sent']:>4}  bounced {s['bounced']:>3}  inbox {s['inbox']:>4}  "
        f"spam {s['spam']:>3}  rescued {s.get('rescued', 0):>3}  opened {s['opened']:>4}  "
        f"replied {s['replied']:>3}  -> {d['action']}: {d['reason']}",
        flush=True,
    )


def run(
    base: str, key: str, days: int = 7, bounce_rate: float = 0.1, timeout: float = 1800
) -> DemoResult:
    """The demo against the platform at ``base`` with the demo tenant's API ``key``."""
    local = Api(base)
    platform = local.call("GET", "/local/platform")
    api = Api(base, key)
    boxes = {m["email"]: m for m in api.call("GET", "/v1/mailboxes")["items"]}
    warmers = [e for e in boxes if e.split("@")[0] in DEMO_BOXES]
    bouncer = _add_bouncer(api, platform)
    boxes[bouncer["email"]] = bouncer
    local.call(
        "POST", "/local/simulator/bounces", {"sender": bouncer["email"], "rate": bounce_rate}
    )
    for email in [*warmers, bouncer["email"]]:
        api.call(
            "POST",
            f"/v1/mailboxes/{boxes[email]['id']}/warmup",
            {"plan": PLAN, "pool": True},
            ok=(409,),
        )
    result = DemoResult()
    printed: dict[str, int] = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for email in [*warmers, bouncer["email"]]:
            warmup = api.call("GET", f"/v1/mailboxes/{boxes[email]['id']}/warmup")
            result.status[email] = warmup
            closed = _closed(warmup)
            for day in closed[printed.get(email, 0) :]:
                _print_day(email, day)
            printed[email] = len(closed)
            result.days[email] = closed
        done = all(len(result.days[e]) >= days for e in warmers)
        if done and result.status[bouncer["email"]]["status"] != "warming":
            break
        time.sleep(POLL_SECONDS)
    else:
        result.problems.append(f"not every mailbox closed {days} days within {timeout:.0f} s")
    _engagement_tail(api, result, boxes, float(platform.get("warmup_day_seconds") or 20))
    _summarise(local, api, result, warmers, bouncer["email"], days)
    return result


def _summarise(
    local: Api, api: Api, result: DemoResult, warmers: list[str], bouncer: str, days: int
) -> None:
    for email in warmers:
        targets = [d["target"] for d in result.days.get(email, [])[:days]]
        expected = [volume(PLAN, d) for d in range(len(targets))]
        if targets != expected:
            result.problems.append(f"{email}: targets {targets}, the plan says {expected}")
        print(f"{email}: targets {targets} (plan formula {expected})")
    totals: dict[str, int] = {}
    for email in [*warmers, bouncer]:
        for day in result.days.get(email, []):
            for name, value in {**day["stats"], **(day.get("pool") or {})}.items():
                totals[name] = totals.get(name, 0) + int(value)
    result.pool = totals
    received = totals.get("inbox", 0) + totals.get("spam", 0)
    rates = DEFAULT_RATES

    def share(part: str, whole: int) -> float:
        return totals.get(part, 0) / whole if whole else 0.0

    print(
        f"pool (its counters now, every day): sent {totals.get('sent', 0)}, received "
        f"{received}, in spam {totals.get('spam', 0)}; "
        f"opened {share('opened', received):.1%} (configured {rates.open:.0%}), "
        f"rescued from spam {share('rescued', totals.get('spam', 0)):.1%} (configured 100%), "
        f"replied {share('replied', received):.1%} (configured {rates.reply:.0%})"
    )
    paused = result.status.get(bouncer, {})
    print(f"{bouncer}: {paused.get('status')} — {paused.get('status_reason')}")
    if paused.get("status") != "paused" or "bounce rate" not in (paused.get("status_reason") or ""):
        result.problems.append(
            f"{bouncer} did not pause for its bounce rate: {paused.get('status')}"
        )
    result.analytics = _analytics(api, warmers[0])
    print(f"tenant analytics: {json.dumps(result.analytics['counts'])}")
    if result.analytics["counts"].get("sent") != 1:
        result.problems.append("the tenant's analytics count warm-up mail (or miss the one send)")


def _analytics(api: Api, sender: str, wait: float = 120.0) -> dict[str, Any]:
    """The tenant's overview once it counts one ordinary message sent now (proof that the
    counters are live): everything the warm-up sent before must be absent from it."""
    api.call(
        "POST",
        "/v1/messages",
        {
            "from": sender,
            "to": "success@sim.penguinmails.test",
            "subject": "One ordinary mail",
            "text": "Counted in analytics.",
            "track_opens": False,
            "track_clicks": False,
        },
    )
    deadline = time.monotonic() + wait
    overview = api.call("GET", "/v1/analytics/overview")
    while overview["counts"].get("sent", 0) < 1 and time.monotonic() < deadline:
        time.sleep(1.0)
        overview = api.call("GET", "/v1/analytics/overview")
    return dict(overview)


def _start_platform(day_seconds: float) -> tuple[subprocess.Popen[bytes], str, str]:
    ready = os.path.join(tempfile.mkdtemp(prefix="pm-warmup-demo-"), "ready.json")
    process = subprocess.Popen(
        [
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
            "--warmup-day-seconds",
            str(day_seconds),
            "--ready-file",
            ready,
        ],
    )
    for _ in range(600):
        if os.path.exists(ready) and os.path.getsize(ready):
            with open(ready) as handle:
                facts = json.load(handle)
            return process, facts["api_url"], facts["demo_tenant"]["api_key"]["key"]
        if process.poll() is not None:
            raise RuntimeError("the local platform did not start")
        time.sleep(0.5)
    process.terminate()
    raise RuntimeError("the local platform took too long to start")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--api", default="http://127.0.0.1:8000")
    parser.add_argument("--key", default="", help="the demo tenant's API key (make run prints it)")
    parser.add_argument("--start", action="store_true", help="start a platform of its own")
    parser.add_argument("--day-seconds", type=float, default=20.0, help="with --start")
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--bounce-rate", type=float, default=0.1)
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    process = None
    base, key = args.api, args.key
    if args.start:
        process, base, key = _start_platform(args.day_seconds)
    elif not key:
        parser.error("--key is needed without --start")
    try:
        result = run(base, key, args.days, args.bounce_rate, args.timeout)
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=60)
    for problem in result.problems:
        print("PROBLEM:", problem)
    return 1 if args.check and result.problems else 0


if __name__ == "__main__":
    sys.exit(main())
