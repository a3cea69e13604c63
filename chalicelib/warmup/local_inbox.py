"""A pool mailbox's inbox on the local platform: the ``PoolInbox`` port over the local SMTP
server's mailbox routes (``/local/smtp/inbox?folder=``, ``/local/smtp/inbox/flags``,
``/local/smtp/inbox/move``), which keep an inbox and a spam folder with IMAP-like UIDs and
flags. Plain urllib, as ``chalicelib.inbound.sources.LocalInboxSource`` reads the same store.
Only warm-up mail (the ``X-PM-Warmup`` header) is listed; actions go by Message-ID.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from chalicelib.warmup.inbox import Folder, PoolMessage, read_pool_message, searchable_id

PAGE = 200


class LocalPoolInbox:
    def __init__(self, base_url: str, user: str, timeout: float = 10.0) -> None:
        self._base = f"{base_url.rstrip('/')}/local/smtp/inbox"
        self._user = user
        self._timeout = timeout

    def list_warmup(self, folder: Folder, after_uid: int, limit: int) -> list[PoolMessage]:
        found: list[PoolMessage] = []
        while len(found) < limit:
            items = self._page(folder, after_uid)
            for item in items:
                message = read_pool_message(folder, int(item["uid"]), item["raw"].encode("utf-8"))
                if message is not None:
                    found.append(message)
            if len(items) < PAGE:
                break
            after_uid = int(items[-1]["uid"])
        return found[:limit]

    def mark_seen(self, message_id: str) -> bool:
        return self._post("flags", {"message_id": message_id, "add": ["\\Seen"]})

    def flag_important(self, message_id: str) -> bool:
        return self._post("flags", {"message_id": message_id, "add": ["\\Flagged"]})

    def move_to_inbox(self, message_id: str) -> bool:
        return self._post("move", {"message_id": message_id, "to": "inbox"})

    def _page(self, folder: Folder, after_uid: int) -> list[dict[str, Any]]:
        query = {"user": self._user, "folder": folder, "after_uid": after_uid, "limit": PAGE}
        url = f"{self._base}?{urllib.parse.urlencode(query)}"
        with urllib.request.urlopen(url, timeout=self._timeout) as reply:  # noqa: S310
            items: list[dict[str, Any]] = json.loads(reply.read())["items"]
        return items

    def _post(self, action: str, body: dict[str, Any]) -> bool:
        """True once done; False when the route answers 404 (no such message there)."""
        searchable_id(body["message_id"])
        request = urllib.request.Request(  # noqa: S310 - the local platform's own URL
            f"{self._base}/{action}",
            data=json.dumps({"user": self._user, **body}).encode("utf-8"),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout):  # noqa: S310
                return True
        except urllib.error.HTTPError as failed:
            failed.close()
            if failed.code == 404:
                return False
            raise
