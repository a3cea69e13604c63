"""``python -m infrastructure.local``: start the local platform in the foreground.

Prints the admin key, the demo tenant's API key and a curl line; Ctrl-C (or SIGTERM) stops
every thread and server it started. ``--ready-file`` writes the same facts as JSON for
tools and tests that start the platform as a subprocess.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading

from infrastructure.local.platform import LocalPlatform, Ports


def _args(argv: list[str]) -> argparse.Namespace:
    env = os.environ.get
    parser = argparse.ArgumentParser(description="PenguinMails local platform")
    parser.add_argument("--api-port", type=int, default=int(env("PM_LOCAL_API_PORT", "8000")))
    parser.add_argument("--aws-port", type=int, default=int(env("PM_LOCAL_AWS_PORT", "4566")))
    parser.add_argument("--smtp-port", type=int, default=int(env("PM_LOCAL_SMTP_PORT", "2525")))
    parser.add_argument("--dns-port", type=int, default=int(env("PM_LOCAL_DNS_PORT", "5353")))
    parser.add_argument(
        "--time-scale",
        type=float,
        default=float(env("PM_LOCAL_TIME_SCALE", "60")),
        help="divide schedule periods and visibility timeouts by this",
    )
    parser.add_argument("--no-demo", action="store_true", help="do not create a demo tenant")
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
        f"  AWS emulator   http://127.0.0.1:{p.aws}",
        f"  SMTP           127.0.0.1:{p.smtp} (STARTTLS + AUTH)   DNS 127.0.0.1:{p.dns}",
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


def main(argv: list[str] | None = None) -> int:
    args = _args(sys.argv[1:] if argv is None else argv)
    ports = Ports(args.api_port, args.aws_port, args.smtp_port, args.dns_port)
    platform = LocalPlatform(ports=ports, time_scale=args.time_scale, demo=not args.no_demo)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        platform.start()
        if args.ready_file:
            with open(args.ready_file, "w") as handle:
                json.dump(platform.summary(), handle)
        print(_banner(platform), flush=True)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        platform.stop()
        print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
