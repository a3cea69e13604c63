"""The ``DnsProvider`` adapters: Route 53 (boto3) and Cloudflare (API v4 over HTTP), and
``dns_visible``, the check that a TXT value is seen through a given resolver (the ACME CA's
wait before answering a DNS-01 challenge).

Both providers write by name and type: ``upsert`` makes the record set at (name, type) exactly
the given values (twice is the same as once), creating the zone when it is missing; ``delete``
removes whatever is at (name, type), and a record or zone already gone is fine. TXT values are
split into 255-byte character-strings the way the domains feature publishes them.

Errors: timeouts, refused connections, 5xx and throttling -> ``ProviderUnavailable`` (retried);
anything else the provider refuses -> ``ProvisioningFailed`` with its message (rolled back).
"""

from __future__ import annotations

import contextlib
import uuid
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from chalicelib.domains import route53_txt
from chalicelib.provisioning.errors import ProviderUnavailable, ProvisioningFailed

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    import requests

    from chalicelib.provisioning.ports import DnsRecord

THROTTLED = {
    "Throttling",
    "ThrottlingException",
    "PriorRequestNotComplete",
    "ServiceUnavailable",
    "InternalFailure",
    "RequestTimeout",
}
_FQDN_VALUED = {"CNAME", "PTR", "NS"}


def _grouped(records: Sequence[DnsRecord]) -> dict[tuple[str, str], list[DnsRecord]]:
    groups: dict[tuple[str, str], list[DnsRecord]] = defaultdict(list)
    for record in records:
        key = (record.name.rstrip(".").lower(), record.type.upper())
        if record.value not in [r.value for r in groups[key]]:
            groups[key].append(record)
    return groups


def _dotted(name: str) -> str:
    return name if name.endswith(".") else name + "."


# --- Route 53 -----------------------------------------------------------------------------------


def route53_value(rtype: str, value: str) -> str:
    """A ``DnsRecord`` value in Route 53's form (quoted TXT strings, fully qualified names)."""
    if rtype == "TXT":
        return route53_txt(value)
    if rtype == "MX":
        preference, _, host = value.partition(" ")
        return f"{preference} {_dotted(host.strip())}"
    return _dotted(value) if rtype in _FQDN_VALUED else value


class Route53Dns:
    """``DnsProvider`` over a boto3 Route 53 client; one change batch per call."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def upsert(self, zone: str, records: Sequence[DnsRecord]) -> None:
        if not records:
            return
        with _aws_errors():
            zone_id = self._zone_id(zone, create=True)
            assert zone_id is not None
            changes = [
                {"Action": "UPSERT", "ResourceRecordSet": self._record_set(name, rtype, group)}
                for (name, rtype), group in _grouped(records).items()
            ]
            self._change(zone_id, changes)

    def delete(self, zone: str, records: Sequence[DnsRecord]) -> None:
        with _aws_errors():
            zone_id = self._zone_id(zone, create=False)
            if zone_id is None:
                return
            for attempt in range(2):  # a set changed between our read and our batch: reread
                changes = [
                    {"Action": "DELETE", "ResourceRecordSet": current}
                    for name, rtype in _grouped(records)
                    if (current := self._current(zone_id, name, rtype)) is not None
                ]
                try:
                    self._change(zone_id, changes)
                    return
                except (
                    self._client.exceptions.InvalidChangeBatch,
                    self._client.exceptions.InvalidInput,  # the emulator's answer to the same
                ):
                    if attempt:
                        raise

    def _change(self, zone_id: str, changes: list[dict[str, Any]]) -> None:
        if changes:
            self._client.change_resource_record_sets(
                HostedZoneId=zone_id, ChangeBatch={"Changes": changes}
            )

    @staticmethod
    def _record_set(name: str, rtype: str, group: list[DnsRecord]) -> dict[str, Any]:
        return {
            "Name": _dotted(name),
            "Type": rtype,
            "TTL": min(r.ttl for r in group),
            "ResourceRecords": [{"Value": route53_value(rtype, r.value)} for r in group],
        }

    def _zone_id(self, zone: str, create: bool) -> str | None:
        name = zone.rstrip(".").lower()
        found = self._client.list_hosted_zones_by_name(DNSName=name, MaxItems="1")
        for hosted in found.get("HostedZones", []):
            if hosted["Name"].rstrip(".").lower() == name:
                return str(hosted["Id"])
        if not create:
            return None
        reference = f"pm-{name}-{uuid.uuid4().hex[:12]}"  # Route 53 never reuses one
        created = self._client.create_hosted_zone(Name=name, CallerReference=reference)
        return str(created["HostedZone"]["Id"])

    def _current(self, zone_id: str, name: str, rtype: str) -> dict[str, Any] | None:
        reply = self._client.list_resource_record_sets(
            HostedZoneId=zone_id, StartRecordName=_dotted(name), StartRecordType=rtype, MaxItems="1"
        )
        for found in reply.get("ResourceRecordSets", []):
            if found["Name"].rstrip(".").lower() == name and found["Type"] == rtype:
                return dict(found)
        return None


@contextlib.contextmanager
def _aws_errors() -> Iterator[None]:
    from botocore.exceptions import ClientError, HTTPClientError
    from botocore.exceptions import ConnectionError as BotoConnectionError

    try:
        yield
    except (BotoConnectionError, HTTPClientError) as error:
        raise ProviderUnavailable(f"Route 53 unreachable: {error}") from error
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        message = error.response.get("Error", {}).get("Message", "")
        if code in THROTTLED or status >= 500 or status == 429:
            raise ProviderUnavailable(f"Route 53 {code}: {message}") from error
        raise ProvisioningFailed(f"Route 53 {code}: {message}") from error


# --- Cloudflare ---------------------------------------------------------------------------------


class CloudflareDns:
    """``DnsProvider`` over Cloudflare's API v4 (bearer token)."""

    def __init__(self, base_url: str, token: str, timeout: float = 10.0) -> None:
        import requests

        self._base = base_url.rstrip("/")
        self._timeout = timeout
        self._session = requests.Session()
        self._session.headers["Authorization"] = f"Bearer {token}"

    def upsert(self, zone: str, records: Sequence[DnsRecord]) -> None:
        if not records:
            return
        zone_id = self._zone_id(zone, create=True)
        assert zone_id is not None
        for (name, rtype), group in _grouped(records).items():
            wanted = [_cloudflare_body(name, rtype, record) for record in group]
            existing = self._records(zone_id, name, rtype)
            missing = []
            for body in wanted:
                same = next((r for r in existing if _same(r, body)), None)
                if same is None:
                    missing.append(body)
                else:
                    existing.remove(same)
            for body in missing:  # reuse a stale record of the set, or add one
                if existing:
                    stale = existing.pop(0)
                    self._call("PUT", f"/zones/{zone_id}/dns_records/{stale['id']}", body)
                else:
                    self._call("POST", f"/zones/{zone_id}/dns_records", body)
            for stale in existing:
                self._delete_record(zone_id, stale["id"])

    def delete(self, zone: str, records: Sequence[DnsRecord]) -> None:
        zone_id = self._zone_id(zone, create=False)
        if zone_id is None:
            return
        for name, rtype in _grouped(records):
            for found in self._records(zone_id, name, rtype):
                self._delete_record(zone_id, found["id"])

    def _delete_record(self, zone_id: str, record_id: str) -> None:
        self._call("DELETE", f"/zones/{zone_id}/dns_records/{record_id}", missing_ok=True)

    def _zone_id(self, zone: str, create: bool) -> str | None:
        name = zone.rstrip(".").lower()
        found = self._call("GET", "/zones", params={"name": name})
        for hosted in found or []:
            if str(hosted["name"]).lower() == name:
                return str(hosted["id"])
        if not create:
            return None
        accounts = self._call("GET", "/accounts", params={"per_page": 1}) or []
        if not accounts:
            raise ProvisioningFailed("Cloudflare: the token reaches no account to add the zone to")
        body = {"name": name, "account": {"id": accounts[0]["id"]}, "type": "full"}
        return str(self._call("POST", "/zones", body)["id"])

    def _records(self, zone_id: str, name: str, rtype: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        page = 1
        while True:
            params = {"name": name, "type": rtype, "page": page, "per_page": 100}
            reply = self._request("GET", f"/zones/{zone_id}/dns_records", params=params)
            found.extend(reply["result"] or [])
            info = reply.get("result_info") or {}
            if page >= int(info.get("total_pages") or 1):
                return found
            page += 1

    def _call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        missing_ok: bool = False,
    ) -> Any:
        return self._request(method, path, body, params, missing_ok)["result"]

    def _request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        missing_ok: bool = False,
    ) -> dict[str, Any]:
        import requests

        url = self._base + path
        try:
            reply = self._session.request(
                method, url, json=body, params=params, timeout=self._timeout
            )
        except requests.RequestException as error:
            raise ProviderUnavailable(f"Cloudflare unreachable: {error}") from error
        if reply.status_code == 404 and missing_ok:
            return {"result": None}
        return _checked(reply)


def _checked(reply: requests.Response) -> dict[str, Any]:
    try:
        payload = reply.json()
    except ValueError:
        payload = {}
    if not isinstance(payload, dict):
        payload = {}
    messages = "; ".join(
        f"{e.get('code')}: {e.get('message')}" for e in payload.get("errors") or []
    ) or (reply.reason or "no message")
    if reply.status_code == 429 or reply.status_code >= 500:
        raise ProviderUnavailable(f"Cloudflare HTTP {reply.status_code}: {messages}")
    if reply.status_code >= 400 or not payload.get("success", False):
        raise ProvisioningFailed(f"Cloudflare HTTP {reply.status_code}: {messages}")
    return payload


def _cloudflare_body(name: str, rtype: str, record: DnsRecord) -> dict[str, Any]:
    body: dict[str, Any] = {"type": rtype, "name": name, "ttl": record.ttl, "proxied": False}
    if rtype == "MX":
        preference, _, host = record.value.partition(" ")
        body.update(content=host.strip().rstrip("."), priority=int(preference))
    elif rtype == "TXT":  # quoted 255-byte strings, as Cloudflare takes long TXT content
        body["content"] = route53_txt(record.value)
    else:
        body["content"] = record.value.rstrip(".") if rtype in _FQDN_VALUED else record.value
    return body


def _same(found: dict[str, Any], body: dict[str, Any]) -> bool:
    return (
        found.get("content") == body["content"]
        and int(found.get("ttl", 0)) == body["ttl"]
        and found.get("priority") == body.get("priority")
    )


# --- visibility ---------------------------------------------------------------------------------


def dns_visible(
    nameserver: str | None, port: int = 53, timeout: float = 3.0
) -> Callable[[str, str], bool]:
    """``visible(name, value)``: whether ``nameserver`` (None: the system's resolvers, as in
    ``PM_DNS_NAMESERVER`` unset) answers ``value`` among name's TXT strings."""

    def visible(name: str, value: str) -> bool:
        import dns.exception
        import dns.resolver

        resolver = dns.resolver.Resolver(configure=nameserver is None)
        if nameserver is not None:
            resolver.nameservers = [nameserver]
            resolver.port = port
        resolver.lifetime = timeout
        try:
            answer = resolver.resolve(name, "TXT", raise_on_no_answer=False)
        except dns.exception.DNSException:
            return False
        texts = {b"".join(rdata.strings).decode("ascii", "replace") for rdata in answer}
        return value in texts

    return visible
