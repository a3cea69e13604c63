"""MailU's admin API v1 as a ``MailAdmin`` (``Authorization: Bearer <API_TOKEN>``).

Endpoints (MailU ``core/admin/mailu/api/v1``): ``GET/POST /domain``, ``GET/DELETE
/domain/{domain}`` (the GET carries ``dns_dkim``: ``dkim._domainkey.<domain>. 600 IN TXT
"v=DKIM1; k=rsa; p=..."``, possibly split in quoted pieces, and nothing before a key exists),
``POST /domain/{domain}/dkim`` (generates a new key: called only when there is none),
``GET /domain/{domain}/users``, ``POST /user`` (``email``, ``raw_password``,
``displayed_name``), ``GET/PATCH/DELETE /user/{email}``. MailU answers 401 without a token,
403 with a wrong one, 404 for a missing domain or user, 409 for a duplicate domain.

Every write is idempotent: an existing domain is success, an existing user gets its password
and name set, a missing one deleted is success.

``install_certificate`` is NOT part of MailU's API: it is ``PUT /penguinmails/certificate``
(under the same ``/api/v1`` base, same token; JSON ``{cert_chain_pem, key_pem}``), served by
the small agent our cloud-init installs next to MailU, which writes the pair where MailU's
front (``TLS_FLAVOR=cert``) reads it and reloads it. The local server serves it too.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from chalicelib.provisioning.errors import ProviderUnavailable, ProvisioningFailed
from chalicelib.provisioning.http_json import HttpJson, Reply
from chalicelib.provisioning.ports import DkimKey, MailServer

CERTIFICATE_PATH = "/penguinmails/certificate"
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
_SELECTOR = re.compile(r"^\s*([^.\s]+)\._domainkey\.")


class MailuClient:
    def __init__(self, timeout: float = 10.0, verify: bool | str = True) -> None:
        self._http = HttpJson(timeout, verify)

    def ready(self, server: MailServer) -> bool:
        try:
            reply = self._send(server, "GET", "/domain")
        except ProviderUnavailable:
            return False
        return reply.status == 200

    def create_domain(self, server: MailServer, domain: str) -> None:
        reply = self._send(server, "POST", "/domain", {"name": domain})
        if reply.status != 409:  # 409: the domain exists already
            _expect(reply, "create domain")

    def dkim(self, server: MailServer, domain: str) -> DkimKey:
        key = self._dkim_of(server, domain)
        if key is None:
            _expect(self._send(server, "POST", f"/domain/{_q(domain)}/dkim"), "generate DKIM")
            key = self._dkim_of(server, domain)
        if key is None:
            raise ProvisioningFailed(f"MailU generated no DKIM key for {domain}")
        return key

    def create_user(self, server: MailServer, email: str, password: str, display_name: str) -> None:
        fields = {"raw_password": password, "displayed_name": display_name}
        path = f"/user/{_q(email)}"
        if self._send(server, "GET", path).status == 200:
            _expect(self._send(server, "PATCH", path, fields), "update user")
            return
        reply = self._send(server, "POST", "/user", {"email": email, **fields})
        if reply.status == 409:  # created meanwhile (a retried request that had succeeded)
            reply = self._send(server, "PATCH", path, fields)
        _expect(reply, "create user")

    def users(self, server: MailServer, domain: str) -> list[str]:
        reply = self._send(server, "GET", f"/domain/{_q(domain)}/users")
        if reply.status == 404:
            return []
        _expect(reply, "list users")
        items = reply.body if isinstance(reply.body, list) else []
        return sorted(str(u["email"]) for u in items if isinstance(u, dict) and u.get("email"))

    def delete_user(self, server: MailServer, email: str) -> None:
        reply = self._send(server, "DELETE", f"/user/{_q(email)}")
        if reply.status != 404:
            _expect(reply, "delete user")

    def delete_domain(self, server: MailServer, domain: str) -> None:
        reply = self._send(server, "DELETE", f"/domain/{_q(domain)}")
        if reply.status != 404:
            _expect(reply, "delete domain")

    def domains(self, server: MailServer) -> list[str]:
        reply = self._send(server, "GET", "/domain")
        _expect(reply, "list domains")
        items = reply.body if isinstance(reply.body, list) else []
        return sorted(str(d["name"]) for d in items if isinstance(d, dict) and d.get("name"))

    def install_certificate(self, server: MailServer, cert_chain_pem: str, key_pem: str) -> None:
        body = {"cert_chain_pem": cert_chain_pem, "key_pem": key_pem}
        _expect(self._send(server, "PUT", CERTIFICATE_PATH, body), "install certificate")

    # the API

    def _send(self, server: MailServer, method: str, path: str, body: object = None) -> Reply:
        url = server.base_url.rstrip("/") + path
        headers = {"Authorization": f"Bearer {server.token}"}
        return self._http.request(method, url, json_body=body, headers=headers)

    def _dkim_of(self, server: MailServer, domain: str) -> DkimKey | None:
        reply = self._send(server, "GET", f"/domain/{_q(domain)}")
        _expect(reply, "read domain")
        record = reply.body.get("dns_dkim") if isinstance(reply.body, dict) else None
        return parse_dns_dkim(record) if isinstance(record, str) and record else None


def parse_dns_dkim(record: str) -> DkimKey | None:
    """MailU's ``dns_dkim`` zone line -> selector and ``p=`` value (None without ``p=``)."""
    pieces = _QUOTED.findall(record)
    text = "".join(pieces) if pieces else record
    tags = dict(
        (name.strip(), value.strip())
        for name, _, value in (tag.partition("=") for tag in text.split(";"))
    )
    public_key = "".join(tags.get("p", "").split())
    if not public_key:
        return None
    selector = _SELECTOR.match(record)
    return DkimKey(selector=selector.group(1) if selector else "dkim", public_key_b64=public_key)


def _q(value: str) -> str:
    return quote(value, safe="@")


def _expect(reply: Reply, what: str) -> None:
    if not 200 <= reply.status < 300:
        raise ProvisioningFailed(f"MailU {what}: HTTP {reply.status}: {reply.message()}")
