"""A local MailU admin API v1 (plain HTTP on the server's loopback address, bearer token),
answering as MailU's ``core/admin/mailu/api/v1`` does for what provisioning uses: domains,
users, DKIM generation, plus our agent's ``PUT /api/v1/penguinmails/certificate``.

MailU's replies: 401 ``{"message"}`` without an Authorization header, 403 with a wrong token;
``{"code", "message"}`` for 200/400/404/409. Step faults: ``CreateMailDomain`` (domain
create) and ``CreateMailboxes`` (user create) answer 503, as a MailU still starting would.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import threading
from collections.abc import Callable
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from infrastructure.local.providers.faults import StepFaults
from infrastructure.local.providers.json_http import JsonHandler
from infrastructure.local.providers.mail_state import DKIM_SELECTOR, MailState, valid_domain

logger = logging.getLogger(__name__)

MAX_BODY = 256 * 1024
Answer = tuple[int, Any]
_WRITES = ("POST", "PATCH", "PUT")
InstallCertificate = Callable[[str, str], None]  # raises ValueError for a bad pair

_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    (m, re.compile(f"^/api/v1{p}$"), h)
    for m, p, h in (
        ("GET", "/domain", "list_domains"),
        ("POST", "/domain", "create_domain"),
        ("GET", "/domain/([^/]+)", "get_domain"),
        ("DELETE", "/domain/([^/]+)", "delete_domain"),
        ("POST", "/domain/([^/]+)/dkim", "generate_dkim"),
        ("GET", "/domain/([^/]+)/users", "domain_users"),
        ("GET", "/user", "list_users"),
        ("POST", "/user", "create_user"),
        ("GET", "/user/([^/]+)", "get_user"),
        ("PATCH", "/user/([^/]+)", "update_user"),
        ("DELETE", "/user/([^/]+)", "delete_user"),
        ("PUT", "/penguinmails/certificate", "install_certificate"),
    )
]


def _msg(code: int, message: str) -> Answer:
    return code, {"code": code, "message": message}


class MailuApi:
    """The routes over one server's ``MailState``; ``handle`` is what the HTTP handler calls."""

    def __init__(
        self,
        state: MailState,
        token: str | None,
        hostname: str,
        install_certificate: InstallCertificate,
        faults: StepFaults | None = None,
    ) -> None:
        self.state = state
        self.token = token
        self.hostname = hostname
        self.install = install_certificate
        self.faults = faults or StepFaults()

    def handle(self, method: str, path: str, authorization: str | None, body: bytes) -> Answer:
        if not authorization:
            return 401, {"message": "A valid Authorization header is mandatory"}
        given = authorization.removeprefix("Bearer ").encode()
        if not self.token or not hmac.compare_digest(given, self.token.encode()):
            return 403, {"message": "Invalid API token"}
        route = urlsplit(path).path.rstrip("/")
        for verb, pattern, name in _ROUTES:
            match = pattern.match(route)
            if match and verb == method:
                args = [unquote(a).lower() for a in match.groups()]
                if method not in _WRITES:
                    answer: Answer = getattr(self, name)(*args)
                    return answer
                data = _json(body)
                if data is None:
                    return _msg(400, "Input payload validation failed: body must be a JSON object")
                answer = getattr(self, name)(*args, data)
                return answer
        return 404, {"message": f"no route {method} {route}"}

    # domains

    def list_domains(self) -> Answer:
        return 200, [self._domain_view(d) for d in self.state.domains()]

    def create_domain(self, data: dict[str, Any] | None = None) -> Answer:
        name = str((data or {}).get("name", "")).lower()
        if not valid_domain(name):
            return _msg(400, f"Domain {name} is not a valid domain")
        if self.faults.take("CreateMailDomain"):
            return 503, {"message": "Service Unavailable (fault injected: CreateMailDomain)"}
        if not self.state.add_domain(name):
            return _msg(409, f"Duplicate domain name {name}")
        return _msg(200, f"Domain {name} has been created")

    def get_domain(self, name: str) -> Answer:
        if not self.state.has_domain(name):
            return _msg(404, f"Domain {name} does not exist")
        return 200, self._domain_view(name)

    def delete_domain(self, name: str) -> Answer:
        if not self.state.remove_domain(name):
            return _msg(404, f"Domain {name} does not exist")
        return _msg(200, f"Domain {name} has been deleted")

    def generate_dkim(self, name: str, _data: dict[str, Any] | None = None) -> Answer:
        if not self.state.generate_dkim(name):
            return _msg(404, f"Domain {name} does not exist")
        return _msg(200, f"DKIM/DMARC keys have been generated for domain {name}")

    def domain_users(self, name: str) -> Answer:
        if not self.state.has_domain(name):
            return _msg(404, f"Domain {name} does not exist")
        return 200, [self._user_view(e) for e in self.state.users(name)]

    def _domain_view(self, name: str) -> dict[str, Any]:
        view: dict[str, Any] = {
            "name": name,
            "max_users": -1,
            "max_aliases": -1,
            "signup_enabled": False,
            "alternatives": [],
            "dns_mx": f"{name}. 600 IN MX 10 {self.hostname}.",
            "dns_spf": f'{name}. 600 IN TXT "v=spf1 mx a:{self.hostname} ~all"',
        }
        public = self.state.dkim_public_b64(name)
        if public is not None:
            txt = f"v=DKIM1; k=rsa; p={public}"
            quoted = " ".join(f'"{txt[i : i + 250]}"' for i in range(0, len(txt), 250))
            view["dns_dkim"] = f"{DKIM_SELECTOR}._domainkey.{name}. 600 IN TXT {quoted}"
            view["dns_dmarc"] = f'_dmarc.{name}. 600 IN TXT "v=DMARC1; p=reject;"'
        return view

    # users

    def list_users(self) -> Answer:
        return 200, [self._user_view(e) for e in self.state.users()]

    def create_user(self, data: dict[str, Any] | None = None) -> Answer:
        data = data or {}
        email, password = str(data.get("email", "")).lower(), data.get("raw_password")
        local, _, domain = email.rpartition("@")
        if not local or not valid_domain(domain) or not isinstance(password, str) or not password:
            return _msg(400, "Input payload validation failed: email and raw_password required")
        if self.faults.take("CreateMailboxes"):
            return 503, {"message": "Service Unavailable (fault injected: CreateMailboxes)"}
        if not self.state.has_domain(domain):
            return _msg(404, f"Domain {domain} does not exist")
        if self.state.has_user(email):
            return _msg(409, f"User {email} already exists")
        self.state.put_user(email, password, _text(data.get("displayed_name")) or "")
        return _msg(200, f"User {email} has been created")

    def get_user(self, email: str) -> Answer:
        if not self.state.has_user(email):
            return _msg(404, f"User {email} cannot be found")
        return 200, self._user_view(email)

    def update_user(self, email: str, data: dict[str, Any] | None = None) -> Answer:
        data = data or {}
        if not self.state.has_user(email):
            return _msg(404, f"User {email} cannot be found")
        password = data.get("raw_password")
        if password is not None and (not isinstance(password, str) or not password):
            return _msg(400, "Input payload validation failed: raw_password")
        self.state.put_user(email, password, _text(data.get("displayed_name")))
        return _msg(200, f"User {email} has been updated")

    def delete_user(self, email: str) -> Answer:
        if not self.state.remove_user(email):
            return _msg(404, f"User {email} cannot be found")
        return _msg(200, f"User {email} has been deleted")

    def _user_view(self, email: str) -> dict[str, Any]:
        user = self.state.user(email)
        name = "" if user is None else user.displayed_name
        return {"email": email, "displayed_name": name, "enabled": True, "enable_imap": True}

    # our agent's certificate endpoint

    def install_certificate(self, data: dict[str, Any] | None = None) -> Answer:
        chain, key = (data or {}).get("cert_chain_pem"), (data or {}).get("key_pem")
        if not isinstance(chain, str) or not isinstance(key, str):
            return _msg(400, "cert_chain_pem and key_pem must be PEM strings")
        try:
            self.install(chain, key)
        except ValueError as exc:
            return _msg(400, f"certificate refused: {exc}")
        return _msg(200, "certificate installed")


def _json(body: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


class _Handler(JsonHandler):
    api: MailuApi
    server_version = "MailU-local"

    def _serve(self) -> None:
        length = self.headers.get("Content-Length", "0")
        size = int(length) if length.isdigit() else -1
        if not 0 <= size <= MAX_BODY:
            self._reply(413, {"code": 413, "message": "payload too large"})
            return
        body = self.rfile.read(size) if size else b""
        auth = self.headers.get("Authorization")
        self._reply(*self.api.handle(self.command, self.path, auth, body))

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve


class MailuApiServer:
    """``MailuApi`` on HTTP at (host, port); port 0 picks a free one."""

    def __init__(self, api: MailuApi, host: str, port: int = 0) -> None:
        handler = type("MailuHandler", (_Handler,), {"api": api})
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self.host, self.port = host, self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"mailu-{host}", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()
