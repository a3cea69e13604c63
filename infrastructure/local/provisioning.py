"""Provisioning on the local platform: the providers a new server needs, on loopback, and the
state machines on the emulator's Step Functions engine.

- a local Hostwinds (``providers.hostwinds``) whose servers are SMTP/IMAP/MailU listeners on
  127.0.1.N, handing their mail to the main local mail server; PTRs in the emulator's Route 53;
- a local Cloudflare API (``providers.cloudflare``) keeping its records in Route 53 too, so the
  local DNS server answers them like any other;
- Let's Encrypt's ``pebble`` as the ACME CA, validating DNS-01 through the local DNS server
  (when pebble is not installed the platform runs without it and says so: provisioning then
  fails at IssueCertificate and rolls back);
- the provision and decommission state machines created from ``infrastructure/statemachines``
  with their Waits and Retry intervals scaled by the time scale, their Lambda tasks run
  in-process (``stepfunctions``);
- step faults (``POST /local/provisioning/faults {step, mode: once|always}``) the local
  providers obey, so retries and rollbacks are exercised for real.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from infrastructure.local.providers.faults import StepFaults


class LocalProvisioning:
    def __init__(
        self,
        emulator: Any,
        smtp: Any,
        dns_port: int,
        host: str,
        time_scale: float,
        pebble_binary: str | None = None,  # None: found on PATH (the Debian package)
    ):
        self.emulator, self.smtp, self.dns_port = emulator, smtp, dns_port
        self.pebble_binary = pebble_binary
        self.host, self.time_scale = host, time_scale
        self.faults = StepFaults()
        self.hostwinds: Any = None
        self.cloudflare: Any = None
        self.pebble: Any = None
        self.challenge_dns: Any = None
        self.pebble_problem = ""
        self.machines: dict[str, str] = {}
        self._trust_dir = tempfile.TemporaryDirectory(prefix="pm-trust-")

    # --- lifecycle ----------------------------------------------------------------------------

    def start(self) -> None:
        from infrastructure.local.providers.hostwinds import LocalHostwinds

        route53 = self.emulator.client("route53")
        self.hostwinds = LocalHostwinds(
            self.host,
            0,
            api_key=self.emulator.secret_values["HostwindsApiKeySecret"],
            mail_server=self.smtp,
            route53_client=route53,
            faults=self.faults,
            boot_seconds=max(0.5, 60.0 / self.time_scale),
        )
        self.hostwinds.start()
        self._start_cloudflare(route53)
        self._start_pebble()

    def _start_cloudflare(self, route53: Any) -> None:
        from infrastructure.local.providers.cloudflare import LocalCloudflare

        token = self.emulator.secret_values["CloudflareApiTokenSecret"]
        self.cloudflare = LocalCloudflare(
            route53, token, host=self.host, port=0, faults=self.faults
        )
        self.cloudflare.start()

    def _start_pebble(self) -> None:
        from infrastructure.local.pebble import LocalPebble, PebbleUnavailable
        from infrastructure.local.providers.challenge_faults import FaultyChallengeDns

        # pebble asks the local DNS server through a forwarder that can answer its
        # _acme-challenge questions wrongly (the IssueCertificate fault)
        self.challenge_dns = FaultyChallengeDns(self.dns_port, self.faults, host=self.host)
        self.challenge_dns.start()
        pebble = LocalPebble(self.challenge_dns.port, host=self.host, binary=self.pebble_binary)
        try:
            pebble.start()
        except PebbleUnavailable as exc:
            self.pebble_problem = str(exc)
            print(
                f"provisioning: no local ACME CA ({exc}); servers will fail at "
                "IssueCertificate and roll back. Install pebble (apt-get install pebble) "
                "and restart to provision for real.",
                file=sys.stderr,
                flush=True,
            )
            return
        self.pebble = pebble
        self.trust_bundle.write_text(pebble.root_pem())

    @property
    def trust_bundle(self) -> Path:
        return Path(self._trust_dir.name) / "local-roots.pem"

    def create_state_machines(self) -> dict[str, str]:
        """After the app's environment is set (the tasks run in-process and read it)."""
        from infrastructure.local.stepfunctions import create_state_machines

        self.machines = create_state_machines(self.emulator, self.time_scale)
        return self.machines

    def stop(self) -> None:
        for part in (self.pebble, self.challenge_dns, self.cloudflare, self.hostwinds):
            if part is not None:
                part.stop()
        self._trust_dir.cleanup()

    # --- what the app is told -------------------------------------------------------------------

    def environment(self) -> dict[str, str]:
        env = {
            "PM_HOSTWINDS_API_URL": self.hostwinds.base_url,
            "PM_CLOUDFLARE_API_URL": self.cloudflare.url,
            "PM_MAIL_ADMIN_SCHEME": "http",
            "PM_ACME_CONTACT": "ops@penguinmails.test",
        }
        if self.pebble is not None:
            env |= {
                "PM_ACME_DIRECTORY_URL": self.pebble.directory_url,
                "PM_ACME_CA_BUNDLE": self.pebble.ca_bundle_path,
                "PM_TLS_TRUST_BUNDLE": str(self.trust_bundle),
            }
        else:  # nothing answers there: IssueCertificate fails, and the server rolls back
            env["PM_ACME_DIRECTORY_URL"] = f"https://{self.host}:1/dir"
        if self.machines:
            env |= {
                "PM_PROVISION_STATE_MACHINE_ARN": self.machines["ProvisionStateMachine"],
                "PM_DECOMMISSION_STATE_MACHINE_ARN": self.machines["DecommissionStateMachine"],
            }
        return env

    def describe(self) -> dict[str, Any]:
        return {
            "hostwinds": self.hostwinds.base_url if self.hostwinds else None,
            "cloudflare": self.cloudflare.url if self.cloudflare else None,
            "acme": self.pebble.directory_url if self.pebble else self.pebble_problem,
            "state_machines": self.machines,
            "faults": self.faults.state(),
        }

    # --- /local/provisioning/… -----------------------------------------------------------------

    def routes(self) -> dict[tuple[str, str], Any]:
        base = "/local/provisioning"
        return {
            ("GET", f"{base}/faults"): lambda body, query: (200, self.faults.state()),
            ("POST", f"{base}/faults"): self._set_fault,
            ("DELETE", f"{base}/faults"): self._clear_faults,
            ("GET", f"{base}/instances"): lambda body, query: (
                200,
                {"items": self.hostwinds.instances()},
            ),
            ("GET", f"{base}/ca"): self._ca,
        }

    def _set_fault(self, body: bytes, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        try:
            data = json.loads(body or b"{}")
            self.faults.fail(str(data["step"]), str(data.get("mode", "once")))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            message = f"body must be JSON {{step, mode: once|always}} ({exc})"
            return 400, {"error": {"code": "bad_request", "message": message}}
        return 200, self.faults.state()

    def _clear_faults(self, body: bytes, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        self.faults.clear()
        return 200, self.faults.state()

    def _ca(self, body: bytes, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if self.pebble is None:
            message = f"no local ACME CA: {self.pebble_problem}"
            return 404, {"error": {"code": "not_found", "message": message}}
        return 200, {"directory_url": self.pebble.directory_url, "root_pem": self.pebble.root_pem()}
