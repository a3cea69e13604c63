"""The whole platform on loopback, in one process: ``make run`` and the integration tests.

Start order: the emulator (moto server + the template's stack), the SMTP server with the
relay user, the DNS server and the platform zone, the app's environment, the HTTP front
door, the event pumps and the local Firehose (``firehose_pump``), the scheduler, then the
demo tenant (created through the API with the admin key). ``stop`` undoes it in reverse;
nothing is left listening.

Before anything starts, every port asked for (not 0) is checked free: a port another program
holds is a ``PortUnavailable`` naming the port and which one it is, at once, not after the
stack is deployed; a server that still fails to bind (a port taken meanwhile) is reported
the same way.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from infrastructure.local import template as tpl
from infrastructure.local.emulator import CREDENTIALS, REGION, Emulator
from infrastructure.local.faults import Faults
from infrastructure.local.ports import Ports, check_ports_free, claiming

PLATFORM_ZONE = "penguinmails.local"
RELAY_USER = "notifications@penguinmails.local"
DEMO_DOMAIN = "demo.test"
DEMO_BOXES = ("alice", "bob", "carol")


def _offset_clock() -> Any:
    """The platform's movable clock (``/local/clock``), installed as ``core.clock``."""
    from chalicelib.core.clock import OffsetClock

    return OffsetClock()


@dataclass
class LocalPlatform:
    ports: Ports = field(default_factory=Ports)
    host: str = "127.0.0.1"
    time_scale: float = 60.0
    smtp_timeout: float = 10.0
    warmup_day_seconds: float | None = None  # one warm-up day; None: 86400 / time_scale
    demo: bool = True
    held_schedules: tuple[str, ...] = ()  # never fired by themselves (``--hold-schedule``)
    emulator: Emulator | None = None
    smtp: Any = None
    dns: Any = None
    provisioning: Any = None  # local Hostwinds, Cloudflare, pebble, the state machines
    http: Any = None
    websockets: Any = None  # the WebSocket server (live updates)
    pumps: list[Any] = field(default_factory=list)
    deliveries: list[Any] = field(default_factory=list)  # the local Firehose pumps
    scheduler: Any = None
    demo_tenant: dict[str, Any] = field(default_factory=dict)
    admin_key: str = ""
    faults: Faults = field(default_factory=Faults)
    clock: Any = field(default_factory=_offset_clock)

    def start(self) -> LocalPlatform:
        try:
            check_ports_free(self.ports, self.host)
            self._start_emulator()
            self._start_mail_and_dns()
            self._configure_app_environment()
            self._start_http()
            self._start_workers()
            if self.demo:
                self._create_demo_tenant()
        except BaseException:
            self.stop()
            raise
        return self

    def _start_emulator(self) -> None:
        self.emulator = Emulator(self.host, self.ports.aws, delay=self.faults.aws_delay)
        with claiming("aws", self.host, self.ports.aws):
            self.emulator.start()
        self.ports.aws = self.emulator.port
        self.admin_key = self.emulator.secret_values["AdminKeySecret"]

    def _start_mail_and_dns(self) -> None:
        from infrastructure.local.dns_server import LocalDnsServer
        from infrastructure.local.smtp_server import LocalSmtpServer

        self.smtp = LocalSmtpServer(self.host, self.ports.smtp)
        with claiming("smtp", self.host, self.ports.smtp):
            self.smtp.start()
        self.ports.smtp = self.smtp.port
        self.smtp.add_user(RELAY_USER, self.emulator.secret_values["NotifySmtpSecret"])
        route53 = self.emulator.client("route53")
        route53.create_hosted_zone(Name=PLATFORM_ZONE, CallerReference="local-platform")
        self.dns = LocalDnsServer(
            lambda: self.emulator.client("route53"), self.host, self.ports.dns
        )
        with claiming("dns", self.host, self.ports.dns):
            self.dns.start()
        self.ports.dns = self.dns.port
        from infrastructure.local.provisioning import LocalProvisioning

        self.provisioning = LocalProvisioning(
            self.emulator, self.smtp, self.ports.dns, self.host, self.time_scale
        )
        self.provisioning.start()

    def _configure_app_environment(self) -> None:
        os.environ.update(
            app_environment(
                self.emulator,
                self.ports,
                self.host,
                self.time_scale,
                self.smtp_timeout,
                self.warmup_day_seconds,
            )
        )
        os.environ.update(self.provisioning.environment())
        machines = self.provisioning.create_state_machines()  # tasks in-process, on this env
        os.environ.update(self.provisioning.environment())
        if "WarmupStateMachine" in machines:
            os.environ["PM_WARMUP_STATE_MACHINE_ARN"] = machines["WarmupStateMachine"]
        from infrastructure.local import resolver

        resolver.install(self.host, self.ports.dns)  # mail.<domain> of provisioned servers
        from chalicelib.core import wiring

        wiring.reset()
        wiring.override("core.clock", self.clock)
        self.faults.install()

    def _start_http(self) -> None:
        from app import app
        from chalicelib.http import health
        from infrastructure.local.http_server import LocalHttpServer, LocalRoutes

        for name, component in (("smtp_server", self.smtp), ("dns_server", self.dns)):
            health.register_check(name, _status_check(component))
        health.register_check("event_pumps", self._pumps_check)
        health.register_check("scheduler", self._scheduler_check)
        self._start_websockets()
        with claiming("api", self.host, self.ports.api):
            self.http = LocalHttpServer(
                app,
                LocalRoutes(
                    self.smtp,
                    self.describe,
                    self.faults,
                    self.clock,
                    self.flush_analytics,
                    self.run_schedule,
                    extra=self.provisioning.routes(),
                    websockets=self.websockets,
                ),
                self.host,
                self.ports.api,
            )
        self.ports.api = self.http.port
        self.http.start()
        # The tracking links of emails sent locally point at this front door, whose port is
        # only known now (``--api-port 0`` picks a free one).
        os.environ["PM_TRACKING_BASE_URL"] = f"http://{self.host}:{self.ports.api}"
        os.environ["PM_LOCAL_INBOX_URL"] = f"http://{self.host}:{self.ports.api}"
        # live updates: clients open the local WebSocket server; the handlers and the event
        # consumers push through the front door's Management API emulation
        os.environ["PM_WEBSOCKET_URL"] = self.websockets.url
        os.environ["PM_WEBSOCKET_ENDPOINT"] = f"http://{self.host}:{self.ports.api}/local/ws"
        from chalicelib.core.settings import reset_settings

        reset_settings()

    def _start_websockets(self) -> None:
        from chalicelib.http import health
        from infrastructure.local.ws_server import LocalWebsocketServer

        with claiming("ws", self.host, self.ports.ws):
            self.websockets = LocalWebsocketServer(self.host, self.ports.ws)
        self.ports.ws = self.websockets.port
        self.websockets.start()
        health.register_check("websocket_server", _status_check(self.websockets))

    def _start_workers(self) -> None:
        from infrastructure.local.firehose_pump import build_firehose_pumps
        from infrastructure.local.pumps import build_pumps
        from infrastructure.local.scheduler import Scheduler

        template = tpl.load()
        self.pumps = build_pumps(
            tpl.mappings(template), self.emulator, self.time_scale, self.faults
        )
        self.deliveries = build_firehose_pumps(template, self.emulator, self.time_scale)
        for pump in [*self.pumps, *self.deliveries]:
            pump.start()
        self.scheduler = Scheduler(
            tpl.schedules(template), self.time_scale, held=self.held_schedules
        )
        self.scheduler.start()

    def _create_demo_tenant(self) -> None:
        import requests

        reply = requests.post(
            f"{self.api_url}/v1/tenants",
            timeout=30,
            json={
                "name": "Demo Agency",
                "plan": "professional",
                "contact_email": "owner@demo.test",
                "postal_address": "1 Demo Street, Springfield",
            },
            headers={"Authorization": f"Bearer {self.admin_key}"},
        )
        reply.raise_for_status()
        self.demo_tenant = reply.json()
        key = self.demo_tenant["api_key"]["key"]
        self.demo_tenant["domain"] = self._demo_domain(key)
        self.demo_tenant["mailboxes"] = [self._demo_mailbox(key, name) for name in DEMO_BOXES]

    def _api(self, method: str, path: str, key: str, body: Any = None) -> dict[str, Any]:
        import requests

        reply = requests.request(
            method,
            f"{self.api_url}{path}",
            json=body,
            timeout=60,
            headers={"Authorization": f"Bearer {key}"},
        )
        if reply.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {reply.status_code} {reply.text}")
        return reply.json()

    def _demo_domain(self, key: str) -> dict[str, Any]:
        """demo.test, published to the emulator's Route 53 and verified through our DNS."""
        import time

        domain = self._api(
            "POST",
            "/v1/domains",
            key,
            {"name": DEMO_DOMAIN, "dns_provider": "route53", "server_ips": [self.host]},
        )
        for _ in range(20):  # the DNS server re-reads zones about once a second
            domain = self._api("POST", f"/v1/domains/{domain['id']}/verify", key)
            if domain["status"] == "verified":
                break
            time.sleep(0.5)
        return domain

    def _demo_mailbox(self, key: str, name: str) -> dict[str, Any]:
        import secrets

        email, password = f"{name}@{DEMO_DOMAIN}", secrets.token_urlsafe(12)
        self.smtp.add_user(email, password)
        box = self._api(
            "POST",
            "/v1/mailboxes",
            key,
            {
                "email": email,
                "display_name": name.title(),
                "daily_limit": 100,
                "smtp": {
                    "host": self.host,
                    "port": self.ports.smtp,
                    "security": "starttls",
                    "username": email,
                    "password": password,
                },
            },
        )
        return self._api("POST", f"/v1/mailboxes/{box['id']}/test", key)

    def flush_analytics(self) -> dict[str, int]:
        """Read what the events stream holds and write every Firehose buffer now (tests and
        demos need not wait for the buffering interval)."""
        written = {"files": 0, "records": 0}
        for delivery in self.deliveries:
            while delivery.poll_once():
                pass
            for name, count in delivery.flush().items():
                written[name] += count
        return written

    def run_schedule(self, name: str, detail: dict[str, Any]) -> dict[str, Any]:
        """Fire one schedule now (``POST /local/schedules/run``); KeyError: no such schedule."""
        if self.scheduler is None:
            raise KeyError(name)
        return dict(self.scheduler.fire_now(name, detail))

    def _pumps_check(self) -> str:
        dead = [p.mapping.logical_id for p in self.pumps if not p.is_alive()]
        dead += [d.spec.logical_id for d in self.deliveries if not d.is_alive()]
        if dead or not self.pumps:
            raise RuntimeError(f"pumps not running: {dead}")
        return f"{len(self.pumps)} running"

    def _scheduler_check(self) -> str:
        if self.scheduler is None or not self.scheduler.is_alive():
            raise RuntimeError("scheduler not running")
        return f"{len(self.scheduler.schedules)} schedules"

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.ports.api}"

    def describe(self) -> dict[str, Any]:
        from infrastructure.local.http_server import clock_state

        return {
            "api_url": self.api_url,
            "ports": self.ports.__dict__,
            "time_scale": self.time_scale,
            "warmup_day_seconds": warmup_day(self.time_scale, self.warmup_day_seconds),
            "clock": clock_state(self.clock),
            "emulator": self.emulator.describe() if self.emulator else None,
            "pumps": {p.mapping.logical_id: p.status() for p in self.pumps},
            "deliveries": {d.spec.logical_id: d.status() for d in self.deliveries},
            "scheduler": self.scheduler.status() if self.scheduler else None,
            "smtp": self.smtp.status() if self.smtp else None,
            "dns": self.dns.status() if self.dns else None,
            "websockets": self.websockets.status() if self.websockets else None,
            "provisioning": self.provisioning.describe() if self.provisioning else None,
        }

    def stop(self) -> None:
        """Stop the workers, then the servers. A part that takes more than a second to stop
        is named on stderr with its time, so a slow shutdown says where it waited."""
        if self.scheduler is not None:
            self.scheduler.stop()
        for pump in [*self.pumps, *self.deliveries]:
            pump.stop()
        for worker in [self.scheduler, *self.pumps, *self.deliveries]:
            if worker is not None and worker.is_alive():
                with _timed(f"worker {worker.name}"):
                    worker.join(timeout=10)
        for name, component in (
            ("api", self.http),
            ("websocket", self.websockets),
            ("provisioning", self.provisioning),
            ("dns", self.dns),
            ("smtp", self.smtp),
            ("aws", self.emulator),
        ):
            if component is not None:
                with _timed(f"{name} server"):
                    component.stop()

    def summary(self) -> dict[str, Any]:
        return {
            "api_url": self.api_url,
            "ports": self.ports.__dict__,
            "admin_key": self.admin_key,
            "demo_tenant": self.demo_tenant,
        }


@contextlib.contextmanager
def _timed(what: str) -> Iterator[None]:
    started = time.monotonic()
    try:
        yield
    finally:
        took = time.monotonic() - started
        if took > 1.0:
            print(f"stopping: {what} took {took:.1f} s", file=sys.stderr, flush=True)


def _status_check(component: Any) -> Any:
    def check() -> str:
        status = component.status()
        if status.get("status") != "ok":
            raise RuntimeError(json.dumps(status))
        return f"listening on {status.get('host')}:{status.get('port')}"

    return check


def warmup_day(time_scale: float, seconds: float | None = None) -> int:
    """A warm-up day locally, in whole seconds (at least 3: a day has a sending window)."""
    return max(3, math.ceil(seconds if seconds else 86400 / time_scale))


LOCAL_SETTLE_FLOOR = 180


def settle_bound(day_seconds: int) -> int:
    """How long a local warm-up day may wait for its mail after it ends: a quarter day, but
    at least three minutes. The emulator sends a few messages a second on 2 cores, so a day
    of seconds could otherwise close before its mail went out and hold its volume for a
    reason no real server has; deployed the bound is a quarter day (six hours)."""
    return max(day_seconds // 4, LOCAL_SETTLE_FLOOR)


def app_environment(
    emulator: Emulator,
    ports: Ports,
    host: str,
    time_scale: float = 60.0,
    smtp_timeout: float = 10.0,
    warmup_day_seconds: float | None = None,
) -> dict[str, str]:
    """The app's environment: the stack's outputs, as ``make deploy`` hands them to chalice,
    plus the local platform's own choices: retry backoff and the send lease scaled like the
    queues' visibility timeouts, the local SMTP server's self-signed certificate accepted,
    the SMTP client timeout (``--smtp-timeout``), a warm-up day's length
    (``--warmup-day-seconds``, default a day divided by the time scale), and tracking links
    pointing at the local front door."""
    from chalicelib.core.resources import environment

    return {
        **environment(emulator.outputs),
        "PM_RETRY_SCALE": str(1 / time_scale),
        "PM_SEND_LEASE_SECONDS": str(max(2, math.ceil(150 / time_scale))),
        "PM_WARMUP_DAY_SECONDS": str(warmup_day(time_scale, warmup_day_seconds)),
        "PM_WARMUP_SETTLE_SECONDS": str(settle_bound(warmup_day(time_scale, warmup_day_seconds))),
        "PM_VERIFY_SMTP_TLS": "false",
        "PM_SMTP_TIMEOUT": f"{smtp_timeout:g}",
        "PM_WEBSOCKET_PUSH_TIMEOUT": "10",  # the emulation shares this process's GIL
        "PM_TRACKING_BASE_URL": f"http://{host}:{ports.api}",
        "PM_STAGE": "local",
        "AWS_ENDPOINT_URL": emulator.endpoint,
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": CREDENTIALS["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": CREDENTIALS["aws_secret_access_key"],
        "PM_NOTIFY_SMTP_HOST": host,
        "PM_NOTIFY_SMTP_PORT": str(ports.smtp),
        "PM_NOTIFY_SMTP_SECURITY": "starttls",
        "PM_NOTIFY_SMTP_USERNAME": RELAY_USER,
        "PM_NOTIFY_FROM": f"PenguinMails <{RELAY_USER}>",
        "PM_DNS_NAMESERVER": host,
        "PM_DNS_PORT": str(ports.dns),
        "PM_DNSBL_ZONES": "dnsbl.penguinmails.test",  # served from a Route 53 zone in moto
        "POWERTOOLS_METRICS_DISABLED": os.environ.get("POWERTOOLS_METRICS_DISABLED", "true"),
        "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "INFO"),
    }
