"""The circuit breaker of one tenant SMTP server (``host:port``; every mailbox of the tenant
on that server shares it): when it opens, when it lets a probe through, when it closes.
Pure decisions over a ``Breaker`` value and an injected time; the store and the send path
are elsewhere (``service.breakers``, ``breaker_store``).

What counts (``signal``), per worker batch and server at most once each way:
- an **outage**: a session that could not be set up at ``connect`` or ``tls`` with no reply
  (refused, host not found, timed out, TLS handshake failed) or a 4xx (``421`` greeting),
  and a timeout at any later stage (code None, "timed out …"). The sender latches its first
  setup failure for the rest of the batch, so a batch to a dead server is one outage;
- **reachable**: any reply the server gave in a session (MAIL/RCPT/DATA, accepted or not, a
  drop after setup) and any reply to AUTH: a ``535`` is the mailbox's problem, not an outage,
  and never trips the breaker; a 5xx greeting is a refusal, not an outage;
- nothing: a message another worker owned (stage ``claim``).

States:
- **closed**: ``failures`` counts consecutive outages, each within ``WINDOW_SECONDS`` of the
  previous one (an older one starts the count again at 1). ``THRESHOLD`` opens it.
- **open** until ``until``: messages to the server are deferred to ``until`` without using
  an attempt. The cool-down is ``BASE_COOLDOWN_SECONDS`` doubled for each re-open in a row
  (a failed probe), capped at ``MAX_COOLDOWN_SECONDS``. Times scale with the retry scale
  (the local platform's time scale), like the retry backoff.
- **half-open** from ``until``: exactly one worker takes the probe (a conditional write sets
  ``probe_until``, ``PROBE_LEASE_SECONDS`` ahead) and sends one message; everyone else keeps
  deferring (``RECHECK_SECONDS``) until the probe's outcome: reachable closes the breaker,
  an outage re-opens it with the doubled cool-down. A probe that never reports (its worker
  died, its message failed to build) frees the probe when its lease ends.
Any reachable outcome closes the breaker, whatever its state.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

THRESHOLD = 3
WINDOW_SECONDS = 600
BASE_COOLDOWN_SECONDS = 60
MAX_COOLDOWN_SECONDS = 900
PROBE_LEASE_SECONDS = 120  # not scaled: one probe's SMTP steps, each bounded by the timeout
RECHECK_SECONDS = 30
STEP = "defer_if_server_circuit_open"

OUTAGE = "outage"
REACHABLE = "reachable"
_SETUP = ("connect", "tls")


@dataclass(frozen=True)
class Breaker:
    tenant_id: str
    server: str  # host:port, the host lower-cased
    failures: int = 0  # consecutive outages
    last_failure_at: float = 0.0
    opens: int = 0  # consecutive opens since the last close; 0 when closed
    until: float = 0.0  # open until (epoch seconds)
    probe_until: float = 0.0  # a probe is out until then
    version: int = 0  # of the stored item; 0 when none is stored

    def state(self, now: float) -> str:
        if self.opens == 0:
            return "closed"
        return "open" if now < self.until else "half_open"


@dataclass(frozen=True)
class Gate:
    kind: str  # pass | defer | probe
    wait: float = 0.0
    reason: str = ""


def server_of(host: str, port: int) -> str:
    return f"{host.strip().lower().rstrip('.')}:{port}"


def signal(code: int | None, text: str, stage: str) -> str | None:
    """What one send result says about its server: ``OUTAGE``, ``REACHABLE`` or None."""
    if stage == "claim":
        return None
    if code is None and text.startswith("timed out"):
        return OUTAGE
    if stage in _SETUP and (code is None or 400 <= code < 500):
        return OUTAGE
    return REACHABLE


def cooldown(opens: int, scale: float) -> float:
    """Seconds the breaker stays open after its ``opens``-th open in a row."""
    return min(MAX_COOLDOWN_SECONDS, BASE_COOLDOWN_SECONDS * 2 ** max(0, opens - 1)) * scale


def after_outage(b: Breaker, now: float, scale: float) -> Breaker:
    """The breaker once one more outage is counted (unchanged while it is open: a batch
    that began before it opened adds nothing)."""
    if b.opens and now < b.until:
        return b
    if b.opens:  # half-open: the probe (or a straggler after the cool-down) failed
        return _open(b, now, scale, b.failures + 1)
    recent = b.failures and now - b.last_failure_at <= WINDOW_SECONDS * max(scale, 0.0)
    failures = b.failures + 1 if recent else 1
    if failures >= THRESHOLD:
        return _open(b, now, scale, failures)
    return replace(b, failures=failures, last_failure_at=now)


def _open(b: Breaker, now: float, scale: float, failures: int) -> Breaker:
    opens = b.opens + 1
    return replace(
        b,
        failures=failures,
        last_failure_at=now,
        opens=opens,
        until=now + cooldown(opens, scale),
        probe_until=0.0,
    )


def after_reachable(b: Breaker) -> Breaker:
    """The breaker once the server answered: closed, its count cleared."""
    if b.failures == 0 and b.opens == 0:
        return b
    return replace(b, failures=0, last_failure_at=0.0, opens=0, until=0.0, probe_until=0.0)


def opened(before: Breaker, after: Breaker) -> bool:
    return after.opens > before.opens


def closed(before: Breaker, after: Breaker) -> bool:
    return before.opens > 0 and after.opens == 0


def gate(b: Breaker, now: float, scale: float) -> Gate:
    """Whether a message to the server may go: ``pass``, ``probe`` (try to take the probe
    first), or ``defer`` for ``wait`` seconds."""
    state = b.state(now)
    if state == "closed":
        return Gate("pass")
    if state == "open":
        return Gate("defer", b.until - now, _reason(b, "open"))
    if b.probe_until > now:
        wait = min(b.probe_until - now, max(RECHECK_SECONDS * scale, 1.0))
        return Gate("defer", wait, _reason(b, "half-open, a probe is out"))
    return Gate("probe")


def probing(b: Breaker, now: float) -> Breaker:
    """The breaker with the probe taken by the caller."""
    return replace(b, probe_until=now + PROBE_LEASE_SECONDS)


def deferred_while_probing(b: Breaker, scale: float) -> Gate:
    """For a message of the batch that holds the probe: wait for the probe's outcome."""
    return Gate("defer", max(RECHECK_SECONDS * scale, 1.0), _reason(b, "half-open, a probe is out"))


def _reason(b: Breaker, state: str) -> str:
    return (
        f"server {b.server} circuit {state} after {b.failures} failed connections in a row; "
        "not using an attempt"
    )
