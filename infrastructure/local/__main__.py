"""``python -m infrastructure.local``: start the local platform in the foreground.

Prints the admin key, the demo tenant's API key and a curl line; Ctrl-C (or SIGTERM) stops
every thread and server it started, during startup too (a second SIGTERM ends the process
at once). ``--ready-file`` writes the same facts as JSON for tools and tests that start the
platform as a subprocess. A port that is not free ends it at once with status 1, naming the
port and the flag that changes it.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time

from infrastructure.local.platform import LocalPlatform
from infrastructure.local.ports import PORT_NAMES, Ports, PortUnavailable


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread wherever it is (startup included), like Ctrl-C."""


def _on_sigterm(*_: object) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the stop runs once; a second one kills
    raise _Terminated


def _args(argv: list[str]) -> argparse.Namespace:
    env = os.environ.get
    parser = argparse.ArgumentParser(description="PenguinMails local platform")
    parser.add_argument("--api-port", type=int, default=int(env("PM_LOCAL_API_PORT", "8000")))
    parser.add_argument("--aws-port", type=int, default=int(env("PM_LOCAL_AWS_PORT", "4566")))
    parser.add_argument("--smtp-port", type=int, default=int(env("PM_LOCAL_SMTP_PORT", "2525")))
    parser.add_argument("--dns-port", type=int, default=int(env("PM_LOCAL_DNS_PORT", "5353")))
    parser.add_argument("--ws-port", type=int, default=int(env("PM_LOCAL_WS_PORT", "8001")))
    parser.add_argument(
        "--time-scale",
        type=float,
        default=float(env("PM_LOCAL_TIME_SCALE", "60")),
        help="divide schedule periods and visibility timeouts by this",
    )
    parser.add_argument(
        "--smtp-timeout",
        type=float,
        default=float(env("PM_LOCAL_SMTP_TIMEOUT", "10")),
        help="seconds the send worker waits for an SMTP reply",
    )
    parser.add_argument(
        "--warmup-day-seconds",
        type=float,
        default=float(env("PM_LOCAL_WARMUP_DAY_SECONDS") or "0"),
        help="seconds a warm-up day lasts (default: 86400 / the time scale)",
    )
    parser.add_argument("--no-demo", action="store_true", help="do not create a demo tenant")
    parser.add_argument(
        "--hold-schedule",
        action="append",
        default=[],
        metavar="LOGICAL_ID",
        help="never fire this schedule by itself (POST /local/schedules/run still fires it)",
    )
    parser.add_argument("--ready-file", default="", help="write ports and keys here as JSON")
    return parser.parse_args(argv)


def _banner(platform: LocalPlatform) -> str:
    key = platform.demo_tenant.get("api_key", {}).get("key", "")
    tenant = platform.demo_tenant.get("tenant", {}).get("id", "")
    p = platform.ports
    lines = [
        "",
        "PenguinMails local platform is running",
        f"  API            {platform.api_url}   (OpenAPI: {platform.api_url}/v1/openapi.json)",
        f"  dashboard      {platform.api_url}/   (sign in with the demo API key below)",
        f"  AWS emulator   http://127.0.0.1:{p.aws}",
        f"  SMTP           127.0.0.1:{p.smtp} (STARTTLS + AUTH)   DNS 127.0.0.1:{p.dns}",
        f"  WebSocket      ws://127.0.0.1:{p.ws}/ (live updates: POST /v1/realtime/tickets)",
        f"  admin key      {platform.admin_key}",
    ]
    domain = platform.demo_tenant.get("domain")
    if domain:
        lines.append(
            f"  demo domain    {domain['name']} ({domain['status']}, Route 53 + local DNS)"
        )
    for box in platform.demo_tenant.get("mailboxes", []):
        test = "test passed" if (box.get("last_test") or {}).get("ok") else "test FAILED"
        lines.append(f"  mailbox        {box['email']} ({box['id']}, {test})")
    if key:
        lines += [
            f"  demo tenant    {tenant}",
            f"  demo API key   {key}",
            "",
            "Try it:",
            f"  curl -s -H 'Authorization: Bearer {key}' {platform.api_url}/v1/tenant",
        ]
    lines += ["", "Ctrl-C stops everything.", ""]
    return "\n".join(lines)


def _port_advice(error: PortUnavailable) -> str:
    flag = f"--{error.which}-port"
    return (
        f"{PORT_NAMES[error.which]} port {error.port} on {error.host} is not available "
        f"({error.reason}).\n"
        f"Choose another port with {flag} PORT (or PM_LOCAL_{error.which.upper()}_PORT); "
        f"{flag} 0 picks a free one."
    )


def main(argv: list[str] | None = None) -> int:
    args = _args(sys.argv[1:] if argv is None else argv)
    ports = Ports(args.api_port, args.aws_port, args.smtp_port, args.dns_port, args.ws_port)
    platform = LocalPlatform(
        ports=ports,
        time_scale=args.time_scale,
        smtp_timeout=args.smtp_timeout,
        warmup_day_seconds=args.warmup_day_seconds or None,
        demo=not args.no_demo,
        held_schedules=tuple(args.hold_schedule),
    )
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        platform.start()
        if args.ready_file:
            with open(args.ready_file, "w") as handle:
                json.dump(platform.summary(), handle)
        print(_banner(platform), flush=True)
        while True:
            time.sleep(1)
    except (KeyboardInterrupt, _Terminated):
        pass
    except PortUnavailable as error:
        print(_port_advice(error), file=sys.stderr, flush=True)
        return 1
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a SIGTERM while stopping: end now
        platform.stop()
        print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
