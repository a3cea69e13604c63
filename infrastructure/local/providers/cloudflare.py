"""A local Cloudflare: the API v4 subset ``CloudflareDns`` speaks, over HTTP on loopback, with
the records kept in the emulator's Route 53 zones (so the local DNS server answers them, and
pebble validates DNS-01 challenges published through it).

Served under ``/client/v4`` (``url``), bearer token required (403 otherwise):
``GET /accounts``; ``GET /zones?name=``, ``POST /zones``;
``GET /zones/{id}/dns_records?name=&type=``, ``POST /zones/{id}/dns_records``,
``PUT`` and ``DELETE /zones/{id}/dns_records/{record id}``.
Replies carry Cloudflare's envelope (``success``, ``errors``, ``messages``, ``result``,
``result_info``). A zone's id is its Route 53 hosted zone id. Cloudflare keeps one record per
value, Route 53 one set per (name, type): a record id is a digest of name, type and value (a
PUT that changes the value answers the record under its new id), and the TTL is the set's.

Faults: given a ``StepFaults``-like object (``take(step) -> bool``), a write answers 503 when
``take("PublishDns")`` says so, as Cloudflare does when it is in trouble.
"""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from chalicelib.domains import route53_txt
from infrastructure.local.providers.json_http import JsonHandler

PREFIX = "/client/v4"
ACCOUNT = {"id": "0" * 31 + "1", "name": "PenguinMails local"}


class Faults(Protocol):
    def take(self, step: str) -> bool: ...


class CloudflareError(Exception):
    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _record_id(name: str, rtype: str, value: str) -> str:
    return hashlib.sha256(f"{name}|{rtype}|{value}".encode()).hexdigest()[:32]


def _to_route53(body: dict[str, Any]) -> tuple[str, str, str, int]:
    """(name, type, Route 53 value, ttl) of a Cloudflare record body."""
    try:
        name, rtype = str(body["name"]).rstrip(".").lower(), str(body["type"]).upper()
        content, ttl = str(body["content"]), int(body.get("ttl") or 300)
    except (KeyError, TypeError, ValueError) as error:
        raise CloudflareError(400, 9000, f"invalid DNS record: {error}") from None
    ttl = 300 if ttl == 1 else ttl  # 1 is Cloudflare's "automatic"
    if rtype == "TXT":
        value = content if content.startswith('"') else route53_txt(content)
    elif rtype == "MX":
        value = f"{int(body.get('priority') or 0)} {content.rstrip('.')}."
    elif rtype in {"CNAME", "PTR", "NS"}:
        value = content.rstrip(".") + "."
    else:
        value = content
    return name, rtype, value, ttl


def _to_cloudflare(zone: dict[str, Any], record_set: dict[str, Any], value: str) -> dict[str, Any]:
    name, rtype = record_set["Name"].rstrip(".").replace("\\052", "*"), record_set["Type"]
    record: dict[str, Any] = {
        "id": _record_id(name, rtype, value),
        "zone_id": zone["id"],
        "zone_name": zone["name"],
        "name": name,
        "type": rtype,
        "ttl": int(record_set.get("TTL", 300)),
        "proxied": False,
        "proxiable": False,
    }
    if rtype == "MX":
        priority, _, host = value.partition(" ")
        record.update(content=host.rstrip("."), priority=int(priority))
    elif rtype in {"CNAME", "PTR", "NS"}:
        record["content"] = value.rstrip(".")
    else:
        record["content"] = value
    return record


class _Zones:
    """The records, read and written through the emulator's Route 53."""

    def __init__(self, route53: Any) -> None:
        self._r53 = route53
        self._lock = threading.Lock()  # read-modify-write of a record set

    def find(self, name: str | None) -> list[dict[str, Any]]:
        zones = []
        for page in self._r53.get_paginator("list_hosted_zones").paginate():
            zones.extend(page["HostedZones"])
        found = [self._zone(z) for z in zones]
        return [z for z in found if name is None or z["name"] == name.rstrip(".").lower()]

    def get(self, zone_id: str) -> dict[str, Any]:
        try:
            hosted = self._r53.get_hosted_zone(Id=zone_id)["HostedZone"]
        except self._r53.exceptions.NoSuchHostedZone:
            raise CloudflareError(404, 1001, "Invalid zone identifier") from None
        return self._zone(hosted)

    def create(self, name: str) -> dict[str, Any]:
        name = name.rstrip(".").lower()
        if not name or self.find(name):
            raise CloudflareError(400, 1061, f"{name} already exists")
        created = self._r53.create_hosted_zone(Name=name, CallerReference=f"cf-{name}")
        return self._zone(created["HostedZone"])

    @staticmethod
    def _zone(hosted: dict[str, Any]) -> dict[str, Any]:
        zone_id = str(hosted["Id"]).rsplit("/", 1)[-1]
        name = str(hosted["Name"]).rstrip(".").lower()
        return {"id": zone_id, "name": name, "status": "active", "account": ACCOUNT}

    def records(self, zone: dict[str, Any]) -> list[dict[str, Any]]:
        found = []
        pages = self._r53.get_paginator("list_resource_record_sets")
        for page in pages.paginate(HostedZoneId=zone["id"]):
            for record_set in page["ResourceRecordSets"]:
                if (
                    record_set["Type"] in {"SOA", "NS"}
                    and record_set["Name"].rstrip(".") == (zone["name"])
                ):
                    continue  # the zone's own apex records are not Cloudflare records
                for held in record_set.get("ResourceRecords", []):
                    found.append(_to_cloudflare(zone, record_set, held["Value"]))
        return found

    def add(self, zone: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        name, rtype, value, ttl = _to_route53(body)
        if name != zone["name"] and not name.endswith("." + zone["name"]):
            raise CloudflareError(400, 9005, f"{name} is not in the zone {zone['name']}")
        with self._lock:
            values = self._values(zone, name, rtype)
            if value not in values:
                values.append(value)
            self._write(zone, name, rtype, values, ttl)
        return self._one(zone, _record_id(name, rtype, value))

    def remove(self, zone: dict[str, Any], record_id: str) -> dict[str, Any]:
        record = self._one(zone, record_id)
        with self._lock:
            name, rtype = record["name"], record["type"]
            values = self._values(zone, name, rtype)
            kept = [v for v in values if _record_id(name, rtype, v) != record_id]
            self._write(zone, name, rtype, kept, record["ttl"], previous=values)
        return {"id": record_id}

    def _one(self, zone: dict[str, Any], record_id: str) -> dict[str, Any]:
        for record in self.records(zone):
            if record["id"] == record_id:
                return record
        raise CloudflareError(404, 81044, "Record does not exist.")

    def _values(self, zone: dict[str, Any], name: str, rtype: str) -> list[str]:
        reply = self._r53.list_resource_record_sets(
            HostedZoneId=zone["id"], StartRecordName=name + ".", StartRecordType=rtype, MaxItems="1"
        )
        for found in reply["ResourceRecordSets"]:
            if found["Name"].rstrip(".").lower() == name and found["Type"] == rtype:
                return [r["Value"] for r in found.get("ResourceRecords", [])]
        return []

    def _write(
        self,
        zone: dict[str, Any],
        name: str,
        rtype: str,
        values: list[str],
        ttl: int,
        previous: list[str] | None = None,
    ) -> None:
        if values:
            action, kept = "UPSERT", values
        elif previous:
            action, kept = "DELETE", previous
        else:
            return
        record_set = {
            "Name": name + ".",
            "Type": rtype,
            "TTL": ttl,
            "ResourceRecords": [{"Value": v} for v in kept],
        }
        change = {"Action": action, "ResourceRecordSet": record_set}
        self._r53.change_resource_record_sets(
            HostedZoneId=zone["id"], ChangeBatch={"Changes": [change]}
        )


class LocalCloudflare:
    """The local Cloudflare API on ``host:port`` (0: a free port), records in Route 53."""

    def __init__(
        self,
        route53_client: Any,
        token: str,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: Faults | None = None,
    ) -> None:
        self.token = token
        self.host = host
        self.port = port
        self.faults = faults
        self.zones = _Zones(route53_client)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}{PREFIX}"

    def start(self) -> None:
        if self._server is not None:
            return
        server = ThreadingHTTPServer((self.host, self.port), _Handler)
        server.daemon_threads = True
        server.owner = self  # type: ignore[attr-defined]
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, name=f"local-cloudflare-{self.port}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def handle(
        self, method: str, path: str, query: dict[str, str], body: dict[str, Any] | None
    ) -> tuple[int, dict[str, Any]]:
        parts = path.removeprefix(PREFIX).strip("/").split("/")
        try:
            if method != "GET" and self.faults is not None and self.faults.take("PublishDns"):
                raise CloudflareError(503, 10500, "service unavailable (injected fault)")
            result, info = self._route(method, parts, query, body if isinstance(body, dict) else {})
        except CloudflareError as error:
            errors = [{"code": error.code, "message": error.message}]
            return error.status, _envelope(None, success=False, errors=errors)
        return 200, _envelope(result, info=info)

    def _route(
        self, method: str, parts: list[str], query: dict[str, str], body: dict[str, Any]
    ) -> tuple[Any, dict[str, int] | None]:
        match method, parts:
            case "GET", ["accounts"]:
                return [ACCOUNT], _info(1)
            case "GET", ["zones"]:
                zones = self.zones.find(query.get("name"))
                return zones, _info(len(zones))
            case "POST", ["zones"]:
                return self.zones.create(str(body.get("name", ""))), None
            case "GET", ["zones", zone_id, "dns_records"]:
                records = [
                    r
                    for r in self.zones.records(self.zones.get(zone_id))
                    if query.get("name", r["name"]).rstrip(".").lower() == r["name"]
                    and query.get("type", r["type"]).upper() == r["type"]
                ]
                return records, _info(len(records))
            case "POST", ["zones", zone_id, "dns_records"]:
                return self.zones.add(self.zones.get(zone_id), body), None
            case "PUT", ["zones", zone_id, "dns_records", record_id]:
                zone = self.zones.get(zone_id)
                self.zones.remove(zone, record_id)
                return self.zones.add(zone, body), None
            case "DELETE", ["zones", zone_id, "dns_records", record_id]:
                return self.zones.remove(self.zones.get(zone_id), record_id), None
        raise CloudflareError(404, 7003, f"no route for {method} /{'/'.join(parts)}")


def _info(count: int) -> dict[str, int]:
    return {"page": 1, "per_page": max(count, 100), "count": count, "total_count": count,
            "total_pages": 1}  # fmt: skip


def _envelope(
    result: Any,
    success: bool = True,
    errors: list[dict[str, Any]] | None = None,
    info: dict[str, int] | None = None,
) -> dict[str, Any]:
    reply = {"success": success, "errors": errors or [], "messages": [], "result": result}
    if info is not None:
        reply["result_info"] = info
    return reply


class _Handler(JsonHandler):
    server: ThreadingHTTPServer

    def _serve(self) -> None:
        owner: LocalCloudflare = self.server.owner  # type: ignore[attr-defined]
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if self.headers.get("Authorization") != f"Bearer {owner.token}":
            errors = [{"code": 10000, "message": "Authentication error"}]
            return self._reply(403, _envelope(None, success=False, errors=errors))
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length)) if length else None
        except ValueError:
            errors = [{"code": 6007, "message": "Malformed JSON in request body"}]
            return self._reply(400, _envelope(None, success=False, errors=errors))
        if not url.path.startswith(PREFIX):
            errors = [{"code": 7000, "message": "No route for that URI"}]
            return self._reply(404, _envelope(None, success=False, errors=errors))
        self._reply(*owner.handle(self.command, url.path, query, body))

    do_GET = do_POST = do_PUT = do_DELETE = _serve
