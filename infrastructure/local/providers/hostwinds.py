"""A local "Hostwinds": the cloud API ``chalicelib.provisioning.hostwinds.HostwindsClient``
speaks (``POST /cloud/api.php``, form fields ``action`` and ``API``), whose instances are local
servers (``server.LocalMailServer``) on their own loopback address.

Actions: ``add_instance`` (``template``, ``rid``, ``location_id``, ``srvrname``, ``user_data``:
a cloud-config whose ``/mailu/mailu.env`` gives the MailU ``API_TOKEN`` and ``HOSTNAMES``),
``get_instances`` (``{"success": [...]}``), ``get_instance`` (``serviceid``), ``terminate``,
``set_rdns`` (``serviceid``, ``ip``, ``rdns``). Like the real API, it orders a second server
when asked twice for the same label: idempotency is the client's. Refusals are HTTP 200 with
``[{"result": "error", "message"}]``; a wrong key is a 401.

An instance is ``building`` for ``boot_seconds``, then ``active`` with an address of
127.0.1.0/24 (Linux routes all of 127/8 to ``lo``: every address binds) and its server's
ports in the instance object (``smtp_port``, ``imap_port``, ``admin_port``: this provider's
extension; a real server uses 587/993/443). ``set_rdns`` writes the PTR into the emulator's
Route 53 (``reverse_dns``); ``terminate`` stops the server, removes the PTR, frees the address.
Step fault ``CreateVps`` makes ``add_instance`` answer 503. ``GET /cloud/instances`` lists the
instances (local only, no key).
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from infrastructure.local.providers.cloud_init import mailu_env
from infrastructure.local.providers.faults import StepFaults
from infrastructure.local.providers.json_http import JsonHandler
from infrastructure.local.providers.reverse_dns import ReverseDns
from infrastructure.local.providers.server import LocalMailServer
from infrastructure.local.smtp_server import LocalSmtpServer

logger = logging.getLogger(__name__)

NETWORK = "127.0.1.0/24"
FIRST_HOST = 2  # 127.0.1.1 is the machine's own name on Debian
MAX_BODY = 512 * 1024
Answer = tuple[int, Any]
NO_SERVICE = "A valid serviceid is required."


@dataclass
class _Instance:
    serviceid: int
    srvrname: str
    hostname: str
    api_token: str | None
    location_id: str
    rid: str
    template: str
    status: str = "building"
    main_ip: str | None = None
    rdns: str | None = None
    server: LocalMailServer | None = None
    timer: threading.Timer | None = None
    created_at: str = field(default_factory=lambda: datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"))

    def view(self) -> dict[str, Any]:
        item: dict[str, Any] = {
            "serviceid": self.serviceid,
            "srvrname": self.srvrname,
            "hostname": self.hostname,
            "main_ip": self.main_ip,
            "ips": [self.main_ip] if self.main_ip else None,
            "status": self.status,
            "location_id": self.location_id,
            "product_id": self.rid,
            "image": {"name": self.template},
            "created_at": self.created_at,
        }
        if self.server is not None:
            item |= {
                "smtp_port": self.server.smtp_port,
                "imap_port": self.server.imap_port,
                "admin_port": self.server.admin_port,
            }
        return item


def _error(action: str, message: str) -> Answer:
    return 200, [{"result": "error", "action": action, "message": message}]


def _success(action: str, message: str, **extra: Any) -> Answer:
    return 200, [{"result": "success", "action": action, "message": message, **extra}]


class LocalHostwinds:
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        api_key: str,
        mail_server: LocalSmtpServer,
        route53_client: Any,
        faults: StepFaults | None = None,
        boot_seconds: float = 1.0,
        network: str = NETWORK,
    ) -> None:
        self.api_key = api_key
        self.main = mail_server
        self.faults = faults or StepFaults()
        self.boot_seconds = boot_seconds
        self.rdns = ReverseDns(route53_client, network)
        self._hosts = list(ipaddress.ip_network(network).hosts())[FIRST_HOST - 1 :]
        self._lock = threading.RLock()
        self._instances: dict[int, _Instance] = {}
        self._next_id = 1001
        handler = type("HostwindsHandler", (_Handler,), {"provider": self})
        self._http = ThreadingHTTPServer((host, port), handler)
        self._http.daemon_threads = True
        self.host, self.port = host, self._http.server_address[1]
        self._thread = threading.Thread(target=self._http.serve_forever, name="hostwinds")

    @property
    def base_url(self) -> str:
        """What ``HostwindsClient`` (``PM_HOSTWINDS_API_URL``) is given."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        self._thread.daemon = True
        self._thread.start()

    def stop(self) -> None:
        """Stop the API and every server (Route 53 is left as it is)."""
        if self._thread.is_alive():
            self._http.shutdown()
        self._http.server_close()
        with self._lock:
            instances, self._instances = list(self._instances.values()), {}
        for instance in instances:
            if instance.timer is not None:
                instance.timer.cancel()
            if instance.server is not None:
                instance.server.stop()

    # what tests and the platform read

    def instances(self) -> list[dict[str, Any]]:
        with self._lock:
            return [{**i.view(), "rdns": i.rdns} for i in self._instances.values()]

    def server(self, vps_id: str | int) -> LocalMailServer | None:
        """The running server of instance ``vps_id`` (None while building or when gone)."""
        with self._lock:
            instance = self._instances.get(int(vps_id)) if str(vps_id).isdigit() else None
            return None if instance is None else instance.server

    def hosted_mailboxes(self) -> set[str]:
        """Every MailU user of every server: the main mail server delivers to them."""
        with self._lock:
            servers = [i.server for i in self._instances.values() if i.server is not None]
        return {user for server in servers for user in server.state.users()}

    # the API

    def handle(self, form: dict[str, str]) -> Answer:
        key = form.get("API", "")
        if not key or not hmac.compare_digest(key.encode(), self.api_key.encode()):
            return 401, [{"result": "error", "message": "Not Authorized!"}]
        action = form.get("action", "")
        handler = {
            "add_instance": self._add_instance,
            "get_instances": self._get_instances,
            "get_instance": self._get_instance,
            "terminate": self._terminate,
            "set_rdns": self._set_rdns,
        }.get(action)
        if handler is None:
            return _error(action, f"Invalid action {action!r}.")
        return handler(form)

    def _add_instance(self, form: dict[str, str]) -> Answer:
        if not all(form.get(f) for f in ("template", "rid", "location_id")):
            return _error("Add Instance", "template, rid and location_id are required.")
        if self.faults.take("CreateVps"):
            return 503, [{"result": "error", "message": "Service Unavailable (fault: CreateVps)"}]
        env = mailu_env(form.get("user_data", ""))
        label = form.get("srvrname") or f"hwsrv-{self._next_id}"
        hostname = (env.get("HOSTNAMES") or label).split(",")[0].strip()
        with self._lock:
            serviceid, self._next_id = self._next_id, self._next_id + 1
            instance = _Instance(
                serviceid, label, hostname, env.get("API_TOKEN") or None,
                form["location_id"], form["rid"], form["template"],
            )  # fmt: skip
            instance.timer = threading.Timer(self.boot_seconds, self._boot, [serviceid])
            instance.timer.daemon = True
            self._instances[serviceid] = instance
            instance.timer.start()
        logger.info("local Hostwinds: building %s (%s)", label, serviceid)
        return 200, [
            {"result": "success", "action": "Invoice Paid", "message": "Invoice paid"},
            {"result": "success", "action": "Add Instance", "message": "Server is being Created!",
             "serviceid": serviceid},
        ]  # fmt: skip

    def _get_instances(self, _form: dict[str, str]) -> Answer:
        with self._lock:
            return 200, {"success": [i.view() for i in self._instances.values()]}

    def _get_instance(self, form: dict[str, str]) -> Answer:
        instance = self._find(form)
        if instance is None:
            return _error("Get Instance", NO_SERVICE)
        with self._lock:
            return 200, instance.view()

    def _terminate(self, form: dict[str, str]) -> Answer:
        instance = self._find(form)
        if instance is None:
            return _error("Terminate", NO_SERVICE)
        with self._lock:
            instance.status = "deleting"  # its address stays taken until it is clean
            if instance.timer is not None:
                instance.timer.cancel()
            server, instance.server = instance.server, None
        if server is not None:
            server.stop()
        if instance.main_ip and instance.rdns:
            self.rdns.remove(instance.main_ip)
        with self._lock:
            self._instances.pop(instance.serviceid, None)
        return _success("Terminate", "Instance deleted")

    def _set_rdns(self, form: dict[str, str]) -> Answer:
        instance = self._find(form)
        if instance is None:
            return _error("Set rDNS", NO_SERVICE)
        ip, name = form.get("ip", ""), form.get("rdns", "").strip().rstrip(".")
        if not ip or ip != instance.main_ip:
            return _error("Set rDNS", f"IP {ip} is not assigned to this instance.")
        if not name or " " in name:
            return _error("Set rDNS", "A valid rdns hostname is required.")
        self.rdns.set(ip, name)
        with self._lock:
            instance.rdns = name
        return _success("Set rDNS", "rDNS record updated.")

    def _find(self, form: dict[str, str]) -> _Instance | None:
        raw = form.get("serviceid", "")
        with self._lock:
            found = self._instances.get(int(raw)) if raw.isdigit() else None
            return found if found is not None and found.status != "deleting" else None

    # booting

    def _boot(self, serviceid: int) -> None:
        with self._lock:
            instance = self._instances.get(serviceid)
            if instance is None or instance.status != "building":
                return
            ip = self._free_ip()
            instance.main_ip = ip
        server = LocalMailServer(
            ip, instance.hostname, instance.api_token, self.main,
            hosted=self.hosted_mailboxes, faults=self.faults,
        )  # fmt: skip
        try:
            server.start()
        except Exception:
            logger.exception("local Hostwinds: %s did not start", instance.srvrname)
            with self._lock:
                instance.status = "error"
            return
        with self._lock:
            if self._instances.get(serviceid) is not instance or instance.status != "building":
                server.stop()  # terminated while it booted
                return
            instance.server, instance.status = server, "active"
        logger.info("local Hostwinds: %s active on %s", instance.srvrname, ip)

    def _free_ip(self) -> str:
        """The lowest address no instance holds; the caller holds the lock."""
        taken = {i.main_ip for i in self._instances.values()}
        for address in self._hosts:
            if str(address) not in taken:
                return str(address)
        raise OSError("no free address left in the local servers' network")


class _Handler(JsonHandler):
    provider: LocalHostwinds
    server_version = "Hostwinds-local"

    def do_POST(self) -> None:
        length = self.headers.get("Content-Length", "0")
        size = int(length) if length.isdigit() else -1
        if self.path.split("?")[0] != "/cloud/api.php":
            self._reply(404, [{"result": "error", "message": "Not Found"}])
        elif not 0 <= size <= MAX_BODY:
            self._reply(413, [{"result": "error", "message": "Request too large"}])
        else:
            body = self.rfile.read(size).decode("utf-8", errors="replace")
            form = {k: v[-1] for k, v in parse_qs(body, keep_blank_values=True).items()}
            self._reply(*self.provider.handle(form))

    def do_GET(self) -> None:
        if self.path.split("?")[0].rstrip("/") == "/cloud/instances":
            self._reply(200, {"items": self.provider.instances()})
        else:
            self._reply(404, [{"result": "error", "message": "Not Found"}])
