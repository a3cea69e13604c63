"""The circuit breakers of the tenants' SMTP servers as one worker batch sees them: the
guard step ``defer_if_server_circuit_open`` and the hook that reports each send's outcome
(the rules are ``rules.breaker``'s).

Per batch and server: the breaker is read once (cached); an outage and a reachable outcome
are each counted at most once (the sender latches a setup failure for the whole batch, so a
batch to a dead server is one failure, whatever its size); only a change is written, and
every write is conditional on the version read, so two workers never both open a breaker
or both take its probe (a lost race re-reads and decides again). The events of a change
(``server.circuit_opened`` / ``server.circuit_closed``) are stored by that write (the store
puts them in the outbox table in the same transaction); the tenant is notified, best-effort,
when a closed breaker opens (not on every re-open after a failed probe).
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from chalicelib.core.clock import iso
from chalicelib.core.events import Event, new_event
from chalicelib.sending.rules import breaker as rules
from chalicelib.sending.rules.breaker import Breaker, Gate

if TYPE_CHECKING:
    from chalicelib.core.clock import Clock
    from chalicelib.mailboxes import Mailbox
    from chalicelib.sending.ports import BreakerStore, SendResult, TenantNotifier

NOTICE = "server.circuit_opened"
WRITE_TRIES = 3


class BatchBreakers:
    def __init__(
        self, store: BreakerStore, clock: Clock, scale: float, notify: TenantNotifier
    ) -> None:
        self._store, self._clock, self._scale, self._notify = store, clock, scale, notify
        self._lock = threading.Lock()  # the batch's messages run in worker threads
        self._known: dict[tuple[str, str], Breaker] = {}
        self._probing: set[tuple[str, str]] = set()  # this batch holds the probe
        self._counted: set[tuple[str, str, str]] = set()

    def check(self, mailbox: Mailbox) -> Gate:
        """``pass`` or ``defer`` for a message to ``mailbox``'s server; the first message of
        a batch that finds the breaker half-open takes the probe (when no one else has)."""
        key = _key(mailbox)
        with self._lock:
            if key in self._probing:
                return rules.deferred_while_probing(self._read(key), self._scale)
            now = self._now()
            found = self._read(key)
            gate = rules.gate(found, now, self._scale)
            if gate.kind != "probe":
                return gate
            if self._write(found, rules.probing(found, now), ()):
                self._probing.add(key)
                return Gate("pass")
            found = self._reread(key)  # another worker wrote first
            gate = rules.gate(found, now, self._scale)
            if gate.kind == "probe":  # it wrote something else: wait for the next look
                return rules.deferred_while_probing(found, self._scale)
            return gate

    def observe(self, mailbox: Mailbox, result: SendResult) -> None:
        """Count what one send's result says about its server."""
        signal = rules.signal(result.code, result.text, result.stage)
        key = _key(mailbox)
        if signal is None:
            return
        with self._lock:
            if (*key, signal) in self._counted:
                return
            self._counted.add((*key, signal))
            for _ in range(WRITE_TRIES):
                if self._apply(key, signal):
                    return
                self._reread(key)

    def _apply(self, key: tuple[str, str], signal: str) -> bool:
        """Write what ``signal`` changes; False when another worker wrote first."""
        before, now = self._read(key), self._now()
        if signal == rules.OUTAGE:
            after = rules.after_outage(before, now, self._scale)
        else:
            after = rules.after_reachable(before)
        if after == before:
            return True
        if not self._write(before, after, _events(before, after, now)):
            return False
        self._probing.discard(key)  # the probe has reported: the batch follows the breaker
        if rules.opened(before, after) and before.opens == 0:
            self._notify(after.tenant_id, NOTICE, _notice(after))
        return True

    def _read(self, key: tuple[str, str]) -> Breaker:
        if key not in self._known:
            tenant_id, server = key
            self._known[key] = self._store.get(tenant_id, server) or Breaker(tenant_id, server)
        return self._known[key]

    def _reread(self, key: tuple[str, str]) -> Breaker:
        self._known.pop(key, None)
        return self._read(key)

    def _write(self, before: Breaker, after: Breaker, events: tuple[Event, ...]) -> bool:
        if not self._store.put(before, after, events):
            return False
        self._known[(after.tenant_id, after.server)] = replace(after, version=before.version + 1)
        return True

    def _now(self) -> float:
        return self._clock.now().timestamp()


def _key(mailbox: Mailbox) -> tuple[str, str]:
    return mailbox.tenant_id, rules.server_of(mailbox.smtp.host, mailbox.smtp.port)


def _at(epoch: float) -> str:
    return iso(datetime.fromtimestamp(epoch, UTC))


def _events(before: Breaker, after: Breaker, now: float) -> tuple[Event, ...]:
    if rules.opened(before, after):
        fields: dict[str, Any] = {
            "server": after.server,
            "failures": after.failures,
            "until": _at(after.until),
            "reopened": before.opens > 0,
        }
        return (new_event("server.circuit_opened", after.tenant_id, _at(now), **fields),)
    if rules.closed(before, after):
        fields = {"server": after.server, "failures": before.failures}
        return (new_event("server.circuit_closed", after.tenant_id, _at(now), **fields),)
    return ()


def _notice(b: Breaker) -> dict[str, str]:
    return {"server": b.server, "failures": str(b.failures), "until": _at(b.until)}


def report(store: BreakerStore, now: datetime, limit: int = 100) -> list[dict[str, Any]]:
    """Every tenant's breakers that are not closed (an operator view), soonest first."""
    found = sorted(store.not_closed(limit), key=lambda b: b.until)
    return [
        {
            "tenant_id": b.tenant_id,
            "server": b.server,
            "state": b.state(now.timestamp()),
            "failures": b.failures,
            "until": _at(b.until),
        }
        for b in found
    ]


def health_detail(breakers: list[dict[str, Any]]) -> str:
    """Counts only: ``GET /v1/health`` is public, and which tenant uses which server is not."""
    states = [b["state"] for b in breakers]
    return f"{states.count('open')} open, {states.count('half_open')} half-open"
