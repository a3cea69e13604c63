"""The Hostwinds cloud API as a ``VpsProvider``.

The API's shape, as far as it could be confirmed (Hostwinds' developer docs at
developers.hostwinds.com/cloud, PenguinMails' own notes on them, and public scripts): every
call is ``POST {base_url}/cloud/api.php`` with a form body holding ``action`` and the API key
in the ``API`` field. Actions used here:

- ``get_instances`` -> the account's instances (a list, or ``{"success": [...]}``), each a
  "Server_Instance_Object" with ``serviceid``, ``srvrname`` (our label), ``hostname``,
  ``main_ip`` and ``status``;
- ``get_instance`` (``serviceid``) -> one instance object;
- ``add_instance`` (``template``, ``rid``, ``location_id``, ``srvrname``) -> queued: poll after;
- ``terminate`` (``serviceid``) and ``set_rdns`` (``serviceid``, ``ip``, ``rdns``).

A refusal comes as HTTP 200 with ``[{"result": "error", "message": ...}]`` (or a 401/403 for a
bad key); a 5xx, 429, timeout or refused connection is ``ProviderUnavailable``.

Not confirmed, and chosen here: the ``user_data`` field of ``add_instance`` (the cloud-init
document; the docs list no such field, so the real account may need a template with it), the
``serviceid`` in the ``add_instance`` reply (when absent the new instance is found by its
label), the ``status`` values while building (anything but ``active`` with an IP is
"building"), and that ``region`` is a ``location_id`` and ``size`` an ``rid``. The local
provider adds ``smtp_port``, ``imap_port`` and ``admin_port`` to the instance object (its
servers listen on free loopback ports); a real instance has none and gets 587/993/443.

Idempotency: ``create`` looks the label up first, so a retried step never orders twice.
"""

from __future__ import annotations

from typing import Any

from chalicelib.provisioning.errors import ProviderUnavailable, ProvisioningFailed
from chalicelib.provisioning.http_json import HttpJson, Reply
from chalicelib.provisioning.ports import Vps

API_PATH = "/cloud/api.php"
DEFAULT_TEMPLATE = "ubuntu-22.04"  # Hostwinds template (image) id of the servers we order
_GONE = ("deleting", "deleted", "terminated", "cancelled")


class HostwindsClient:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        timeout: float = 10.0,
        *,
        template: str = DEFAULT_TEMPLATE,
    ) -> None:
        self._url = base_url.rstrip("/") + API_PATH
        self._key = api_key
        self._template = template
        self._http = HttpJson(timeout)

    def __repr__(self) -> str:
        return f"HostwindsClient({self._url!r})"  # never the key

    # VpsProvider

    def create(self, name: str, region: str, size: str, user_data: str) -> Vps:
        existing = self.find(name)
        if existing is not None:
            return existing
        fields = {
            "template": self._template,
            "rid": size,
            "location_id": region,
            "srvrname": name,
            "user_data": user_data,
        }
        reply = self._ok("add_instance", fields)
        service_id = _service_id(reply.body)
        ordered = self.get(service_id) if service_id else self.find(name)
        if ordered is None:  # queued but not listed yet: the retry finds it by its label
            raise ProviderUnavailable(f"Hostwinds: {name} ordered, not listed yet")
        return ordered

    def find(self, name: str) -> Vps | None:
        reply = self._ok("get_instances", {})
        for item in _instances(reply.body):
            if name in (item.get("srvrname"), item.get("hostname")):
                return _vps(item)
        return None

    def get(self, vps_id: str) -> Vps | None:
        reply = self._call("get_instance", {"serviceid": vps_id})
        if _refused(reply):  # "A valid serviceid is required.": no such instance
            return None
        item = _unwrap(reply.body)
        return _vps(item) if isinstance(item, dict) and item.get("serviceid") else None

    def delete(self, vps_id: str) -> None:
        if self.get(vps_id) is None:
            return
        reply = self._call("terminate", {"serviceid": vps_id})
        if _refused(reply) and self.get(vps_id) is not None:
            raise ProvisioningFailed(f"Hostwinds refused terminate: {reply.message()}")

    def set_reverse_dns(self, vps_id: str, ip: str, hostname: str) -> None:
        self._ok("set_rdns", {"serviceid": vps_id, "ip": ip, "rdns": hostname})

    # the API

    def _call(self, action: str, fields: dict[str, str]) -> Reply:
        reply = self._http.request(
            "POST", self._url, form={**fields, "action": action, "API": self._key}
        )
        if reply.status >= 400:
            raise ProvisioningFailed(f"Hostwinds {action}: HTTP {reply.status}: {reply.message()}")
        return reply

    def _ok(self, action: str, fields: dict[str, str]) -> Reply:
        reply = self._call(action, fields)
        if _refused(reply):
            raise ProvisioningFailed(f"Hostwinds {action}: {reply.message()}")
        if reply.body is None:
            raise ProviderUnavailable(f"Hostwinds {action}: a reply that is not JSON")
        return reply


def _refused(reply: Reply) -> bool:
    items = reply.body if isinstance(reply.body, list) else [reply.body]
    return any(isinstance(i, dict) and i.get("result") == "error" for i in items)


def _unwrap(body: Any) -> Any:
    """``{"success": x}`` -> x; anything else as it is."""
    if isinstance(body, dict) and "success" in body and not isinstance(body["success"], bool):
        return body["success"]
    return body


def _instances(body: Any) -> list[dict[str, Any]]:
    items = _unwrap(body)
    if isinstance(items, dict):
        items = list(items.values())
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def _service_id(body: Any) -> str | None:
    for item in body if isinstance(body, list) else [body]:
        if isinstance(item, dict) and item.get("serviceid"):
            return str(item["serviceid"])
    return None


def _state(item: dict[str, Any]) -> str:
    status = str(item.get("status") or "").lower()
    if status in _GONE:
        return "deleting"
    return "active" if status == "active" and item.get("main_ip") else "building"


def _port(item: dict[str, Any], field: str, default: int) -> int:
    value = item.get(field)
    return int(value) if isinstance(value, int | str) and str(value).isdigit() else default


def _vps(item: dict[str, Any]) -> Vps:
    return Vps(
        vps_id=str(item["serviceid"]),
        name=str(item.get("srvrname") or item.get("hostname") or ""),
        state=_state(item),
        ip=str(item["main_ip"]) if item.get("main_ip") else None,
        smtp_port=_port(item, "smtp_port", 587),
        imap_port=_port(item, "imap_port", 993),
        admin_port=_port(item, "admin_port", 443),
    )
