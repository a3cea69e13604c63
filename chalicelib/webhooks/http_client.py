"""The webhook HTTP client: one POST, no redirects followed, a few seconds at most, and (in
deployed stages) never to a private or reserved address.

The host is resolved here, every address it resolves to is checked, and the connection is
made to the checked address itself (HTTPS still verifies the certificate against, and sends
SNI for, the URL's host name), so a DNS answer that changes between the check and the
connect (DNS rebinding) cannot take the request elsewhere. urllib3 is imported on first use."""

from __future__ import annotations

import socket
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from chalicelib.core.errors import UnprocessableEntity
from chalicelib.webhooks.ports import PostResult
from chalicelib.webhooks.rules import addresses

if TYPE_CHECKING:
    from chalicelib.webhooks.ports import Resolver

TIMEOUT_SECONDS = 5.0
MAX_READ = 4096


class SocketResolver:
    """Every address of a host, by the system's resolver."""

    def addresses(self, host: str) -> list[str]:
        try:
            found = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
        except (socket.gaierror, UnicodeError):
            return []
        return list(dict.fromkeys(str(info[4][0]) for info in found))


class GuardedPoster:
    def __init__(
        self,
        resolver: Resolver,
        local: bool,
        timeout: float = TIMEOUT_SECONDS,
        ca_certs: str | None = None,
    ) -> None:
        self._resolver, self._local, self._timeout = resolver, local, timeout
        self._ca_certs = ca_certs

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> PostResult:
        started = time.perf_counter()
        try:
            target, host = self._target(url)
            status = self._send(url, target, host, body, headers)
        except UnprocessableEntity as refused:
            return PostResult(None, _ms(started), refused.message)
        except Exception as failure:  # noqa: BLE001 - any transport failure is a failed attempt
            return PostResult(None, _ms(started), f"{type(failure).__name__}: {failure}"[:300])
        return PostResult(status, _ms(started), None)

    def _target(self, url: str) -> tuple[str, str]:
        """The address to connect to (checked) and the URL's host."""
        _, host = addresses.checked_url(url, self._local)
        literal = addresses.parse_ip(host)
        found = [str(literal)] if literal is not None else self._resolver.addresses(host)
        checked = addresses.checked_addresses(host, found, self._local)
        return str(checked[0]), host

    def _send(self, url: str, address: str, host: str, body: bytes, headers: dict[str, str]) -> int:
        import urllib3

        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        default = (parts.scheme == "https" and port == 443) or (
            parts.scheme == "http" and port == 80
        )
        shown_host = host if ":" not in host else f"[{host}]"
        sent = {**headers, "Host": shown_host if default else f"{shown_host}:{port}"}
        timeout = urllib3.Timeout(connect=self._timeout, read=self._timeout)
        pool = self._pool(urllib3, parts.scheme, address, port, host, timeout)
        try:
            path = parts.path or "/"
            reply = pool.urlopen(
                "POST",
                path + (f"?{parts.query}" if parts.query else ""),
                body=body,
                headers=sent,
                redirect=False,
                retries=False,
                preload_content=False,
                assert_same_host=False,
            )
            reply.read(MAX_READ)
            reply.release_conn()
            return int(reply.status)
        finally:
            pool.close()

    def _pool(
        self, urllib3: Any, scheme: str, address: str, port: int, host: str, timeout: Any
    ) -> Any:
        if scheme == "https":
            return urllib3.HTTPSConnectionPool(
                address,
                port,
                timeout=timeout,
                server_hostname=host,
                assert_hostname=host,
                cert_reqs="CERT_REQUIRED",
                ca_certs=self._ca_certs,
                maxsize=1,
            )
        return urllib3.HTTPConnectionPool(address, port, timeout=timeout, maxsize=1)


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)
