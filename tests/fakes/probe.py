"""A mailbox prober twin: answers from a table of (host, password) → steps."""

from __future__ import annotations

from typing import Any


class FakeProber:
    def __init__(self, good_password: str = "right") -> None:
        self.good_password = good_password
        self.calls: list[tuple[str, str]] = []

    def smtp(self, server: Any, password: str) -> list[dict[str, Any]]:
        self.calls.append((server.host, "smtp"))
        steps = [
            {"name": n, "ok": True, "detail": "250", "ms": 1.0}
            for n in ("connect", "ehlo", "starttls")
        ]
        ok = password == self.good_password
        steps.append({"name": "auth", "ok": ok, "detail": "235" if ok else "535 5.7.8", "ms": 1.0})
        return steps

    def imap(self, server: Any, password: str) -> list[dict[str, Any]]:
        self.calls.append((server.host, "imap"))
        return [
            {"name": "imap_login", "ok": password == self.good_password, "detail": "", "ms": 1.0}
        ]
