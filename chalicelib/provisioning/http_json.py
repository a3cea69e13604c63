"""The one small HTTP client the provisioning adapters share (urllib3, which boto3 already
brings: no new runtime dependency): JSON or form requests, JSON replies, and the transient
failures every provider shows (timeouts, refused connections, 5xx, 429) turned into
``ProviderUnavailable`` so the state machine retries them. A 4xx is the caller's to read.

Nothing secret ever reaches an error message: only the method, the host and the status.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from chalicelib.provisioning.errors import ProviderUnavailable

if TYPE_CHECKING:
    import urllib3

MAX_REPLY_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any  # the parsed JSON, or None when the reply is not JSON
    text: str

    def message(self) -> str:
        """The provider's own words about a refusal (MailU ``message``, Hostwinds ``message``)."""
        body = self.body[0] if isinstance(self.body, list) and self.body else self.body
        if isinstance(body, dict) and isinstance(body.get("message"), str):
            return str(body["message"])[:300]
        return self.text[:300] or f"HTTP {self.status}"


def transient(status: int) -> bool:
    return status >= 500 or status == 429


class HttpJson:
    """Requests with a timeout, no automatic retries (Step Functions retries) and TLS
    verification on (``verify`` may name a CA bundle, or be False for a self-signed server)."""

    def __init__(self, timeout: float = 10.0, verify: bool | str = True) -> None:
        self.timeout = timeout
        self.verify = verify
        self._pool: urllib3.PoolManager | None = None

    def _manager(self) -> urllib3.PoolManager:
        if self._pool is None:
            import urllib3

            if self.verify is False:
                self._pool = urllib3.PoolManager(cert_reqs="CERT_NONE")
            elif isinstance(self.verify, str):
                self._pool = urllib3.PoolManager(cert_reqs="CERT_REQUIRED", ca_certs=self.verify)
            else:
                self._pool = urllib3.PoolManager(cert_reqs="CERT_REQUIRED")
        return self._pool

    def request(
        self,
        method: str,
        url: str,
        *,
        json_body: Any = None,
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        """Send; a transient failure raises ``ProviderUnavailable``, any other reply returns."""
        import urllib3

        sent = {"Accept": "application/json", **(headers or {})}
        body: bytes | None = None
        if json_body is not None:
            body, sent["Content-Type"] = json.dumps(json_body).encode(), "application/json"
        elif form is not None:
            body = urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        where = f"{method} {urlsplit(url).netloc}"
        try:
            raw = self._manager().request(
                method,
                url,
                body=body,
                headers=sent,
                timeout=urllib3.Timeout(total=self.timeout),
                retries=False,
                redirect=False,
                preload_content=False,
            )
            data = raw.read(MAX_REPLY_BYTES + 1)
            raw.release_conn()
        except urllib3.exceptions.HTTPError as exc:
            raise ProviderUnavailable(f"{where}: {type(exc).__name__}") from None
        reply = _reply(raw.status, data)
        if transient(reply.status):
            raise ProviderUnavailable(f"{where}: HTTP {reply.status}: {reply.message()}")
        return reply


def _reply(status: int, data: bytes) -> Reply:
    text = data[:MAX_REPLY_BYTES].decode("utf-8", errors="replace")
    try:
        body = json.loads(text) if text.strip() else None
    except ValueError:
        body = None
    return Reply(status, body, text)
