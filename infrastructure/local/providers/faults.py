"""Step faults of the local providers: a provisioning step told to fail once or always.

A local provider asks ``take(step)`` before doing the work a step needs (the local Hostwinds
for ``CreateVps``, the local MailU for ``CreateMailDomain`` and ``CreateMailboxes``; the local
CA and DNS for ``IssueCertificate`` and ``PublishDns``) and, when it answers True, fails the
request the way the real provider would fail transiently (HTTP 503), so the state machine's
retry (``once``) or rollback (``always``) is exercised for real. Thread-safe: the providers'
HTTP servers ask from their request threads.
"""

from __future__ import annotations

import threading

MODES = ("once", "always")


class StepFaults:
    """Which steps fail, and how often; ``take`` consumes a ``once`` fault."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: dict[str, str] = {}
        self._injected: dict[str, int] = {}

    def fail(self, step: str, mode: str = "once") -> None:
        """Make ``step`` fail: ``once`` (the next request only) or ``always``."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        if not step:
            raise ValueError("step must be a step name such as 'CreateVps'")
        with self._lock:
            self._armed[step] = mode

    def clear(self) -> None:
        """No step fails any more (what was injected is still counted)."""
        with self._lock:
            self._armed.clear()

    def take(self, step: str) -> bool:
        """True when this request of ``step`` must fail (a ``once`` fault is used up)."""
        with self._lock:
            mode = self._armed.get(step)
            if mode is None:
                return False
            if mode == "once":
                del self._armed[step]
            self._injected[step] = self._injected.get(step, 0) + 1
            return True

    def state(self) -> dict[str, dict[str, object]]:
        """What is armed (step -> mode) and how many failures each step was given."""
        with self._lock:
            return {"armed": dict(self._armed), "injected": dict(self._injected)}
