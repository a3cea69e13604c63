"""The mailbox prober twin lives with the mailboxes fakes; this name stays for old imports."""

from __future__ import annotations

from tests.fakes.mailboxes import FakeProber

__all__ = ["FakeProber"]
