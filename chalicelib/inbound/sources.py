"""Where a mailbox's new mail is read from: its IMAP server (only UIDs above the last one
seen), or on the local platform the local SMTP server's inbox store, whose positions serve
as UIDs. Both hand the same raw bytes to the same classification path."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from typing import Any

from chalicelib.mail.connection import ServerLogin, tls_context


class LocalInboxSource:
    def __init__(self, base_url: str, user: str, timeout: float = 10.0) -> None:
        self._url = f"{base_url.rstrip('/')}/local/smtp/inbox?" + urllib.parse.urlencode(
            {"user": user}
        )
        self._timeout = timeout

    def fetch_since(self, last_uid: int, limit: int) -> list[tuple[int, bytes]]:
        with urllib.request.urlopen(self._url, timeout=self._timeout) as reply:  # noqa: S310
            items = json.loads(reply.read())["items"]
        fresh = [(uid, item) for uid, item in enumerate(items, start=1) if uid > last_uid]
        return [(uid, item["raw"].encode("utf-8")) for uid, item in fresh[:limit]]


class ImapInboxSource:
    """imaplib, one short session per poll: LOGIN, SELECT INBOX read-only, UID SEARCH for
    UIDs above the last seen, UID FETCH each (bounded), LOGOUT."""

    def __init__(self, login: ServerLogin) -> None:
        self._s = login

    def _connect(self) -> Any:
        import imaplib

        context = tls_context(self._s.verify_tls)
        if self._s.security == "tls":
            return imaplib.IMAP4_SSL(
                self._s.host, self._s.port, ssl_context=context, timeout=self._s.timeout
            )
        client = imaplib.IMAP4(self._s.host, self._s.port, timeout=self._s.timeout)
        if self._s.security == "starttls":
            client.starttls(ssl_context=context)
        return client

    def fetch_since(self, last_uid: int, limit: int) -> list[tuple[int, bytes]]:
        client = self._connect()
        try:
            client.login(self._s.username, self._s.password)
            client.select("INBOX", readonly=True)
            _, data = client.uid("SEARCH", None, f"UID {last_uid + 1}:*")
            uids = sorted(int(u) for u in (data[0] or b"").split() if int(u) > last_uid)
            return [(uid, self._fetch(client, uid)) for uid in uids[:limit]]
        finally:
            try:
                client.logout()
            except Exception:  # noqa: BLE001 - the session is over either way
                pass

    @staticmethod
    def _fetch(client: Any, uid: int) -> bytes:
        _, data = client.uid("FETCH", str(uid), "(BODY.PEEK[])")
        parts = [p for p in data if isinstance(p, tuple)]
        return parts[0][1] if parts else b""
