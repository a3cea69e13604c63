"""The send path for one worker batch, written against ports (Postal's model): load the
message, pass the guard steps, build, claim it, send, record.

Exactly once, as far as SMTP allows:
- a message is *claimed* (``queued|deferred → sending``, attempt n+1, a lease) with a
  conditional write only once it holds an SMTP connection whose session is ready, right
  before MAIL FROM (the sender calls back), so a duplicate SQS delivery finds it ``sending``
  or final and does nothing, and a message still waiting for a connection is never marked;
- the outcome is written only if the message is still at the attempt we claimed (or, for a
  message whose session could not be set up and so was never claimed, still waiting);
- a message found ``sending`` while its lease runs is left to its holder, and a new job is
  queued for when the lease ends (the holder may die before recording: without that job a
  redelivery that arrived before the lease ended would leave the message ``sending`` for ever);
- a message found ``sending`` after its lease ran out belongs to a worker that died mid-send.
  We cannot know whether the server accepted it, so it is **not** sent again: it becomes
  ``failed`` with ``outcome_unknown``. This is the one unavoidable window, and it holds at
  most one message per open connection of the dead worker (two per mailbox by default): a
  crash after the server accepted the message and before we recorded it leaves a delivered
  email marked failed — the recipient still gets it at most once. If that worker was only
  slow and records what the server said after all, its outcome replaces the provisional
  ``failed``.
Retries are new SQS messages with a delay (the backoff of ``delivery_rules``), so a retry
never waits on a visibility timeout and SQS's own redelivery stays the crash path.
Every event is stored with the write that makes its change (the claim, the outcome, the
suppression; see ``chalicelib.aws.outbox``), so no event exists without its change and no
change loses its event, whatever happens to the stream or to this worker afterwards.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from chalicelib.sending.rules import breaker as breaker_rules
from chalicelib.sending.rules import delivery as delivery_rules
from chalicelib.sending.rules import guards as send_guards
from chalicelib.sending.rules import messages, send_rate
from chalicelib.sending.rules.messages import Message, StaleWrite
from chalicelib.sending.rules.warmup import is_warmup
from chalicelib.sending.service import outcomes, pacing
from chalicelib.sending.service.breakers import BatchBreakers
from chalicelib.sending.service.facts import BatchFacts

if TYPE_CHECKING:
    from collections.abc import Collection
    from datetime import datetime

    from chalicelib.core.clock import Clock
    from chalicelib.core.events import Event
    from chalicelib.mailboxes import Mailbox
    from chalicelib.sending.ports import (
        BodyStore,
        BreakerStore,
        Builder,
        Built,
        CooldownStore,
        DomainReader,
        EnvelopeMaker,
        IdentityFactory,
        MailboxReader,
        MessageSender,
        MessageStore,
        SenderFactory,
        SendQueues,
        SendResult,
        SendSlots,
        SoftBounceRuns,
        SuppressionStore,
        TenantNotifier,
        TenantReader,
        UsageCounters,
    )
    from chalicelib.sending.rules.delivery import Outcome

MAX_DELAY = 900
UNKNOWN = "outcome_unknown"
AFTER_CLAIM = frozenset({"sending", "failed"})


@dataclass(frozen=True)
class _Ready:
    """A message as loaded, the same message as it will be once claimed (not yet written),
    built, and the mailbox whose server it goes to."""

    message: Message
    claimed: Message
    built: Built
    mailbox: Mailbox


class _ClaimWhenConnected:
    """The callback the sender awaits once the message holds a ready session: the claim's
    conditional write, remembered so the batch knows whether the message became its own."""

    def __init__(self, batch: SendBatch, ready: _Ready) -> None:
        self.batch = batch
        self.ready = ready
        self.asked = False
        self.won = False

    async def __call__(self) -> bool:
        self.asked = True
        self.won = await asyncio.to_thread(self.batch._claim, self.ready)
        return self.won


@dataclass
class SendPorts:
    messages: MessageStore
    bodies: BodyStore
    tenants: TenantReader
    mailboxes: MailboxReader
    domains: DomainReader
    counters: UsageCounters
    suppressions: SuppressionStore
    soft_bounces: SoftBounceRuns  # each recipient's run of soft bounces since a delivery
    cooldowns: CooldownStore
    breakers: BreakerStore  # the circuit breaker of each tenant SMTP server
    notify: TenantNotifier  # a breaker that opens tells the tenant
    queues: SendQueues
    slots: SendSlots  # the plan send rate's per-tenant, per-second counters
    clock: Clock
    identity: IdentityFactory  # the sending identity (DKIM key, postal address) of a message
    builder: Builder  # signed RFC 5322 bytes of a message
    senders: SenderFactory  # one sender per mailbox and batch
    envelope: EnvelopeMaker  # the SMTP envelope of a built message
    retry_scale: float = 1.0
    lease_seconds: int = 150


class SendBatch:
    """One worker invocation's sends. ``prepare`` reads what it can in bulk; ``process``
    handles one job (and raises only when the job must come back through SQS)."""

    def __init__(self, ports: SendPorts, queue: str) -> None:
        self.ports = ports
        self.queue = queue
        self.outcomes: dict[str, str] = {}
        self._loaded: dict[tuple[str, str], tuple[Message, int]] = {}
        self._facts = BatchFacts(
            ports.tenants, ports.mailboxes, ports.domains, ports.counters, ports.cooldowns
        )
        self._breakers = BatchBreakers(ports.breakers, ports.clock, ports.retry_scale, ports.notify)
        self._senders: dict[tuple[str, str], MessageSender] = {}
        self._seen: set[tuple[str, str]] = set()
        self._waiting: set[tuple[str, str]] = set()

    def prepare(self, jobs: list[tuple[str, str]]) -> None:
        """Load the batch, then hold back (re-enqueued with a delay) the messages over their
        tenant's plan send rate: ``process`` answers ``rate_limited`` for them."""
        self._loaded = self.ports.messages.get_many(jobs)
        loaded = [message for message, _ in self._loaded.values()]
        self._facts.load_suppressions(self.ports.suppressions, loaded)
        now = self.ports.clock.now()
        due = [m for m in loaded if pacing.sendable_now(m, now)]
        self._waiting = pacing.hold_over_rate(
            self.ports.slots, self.ports.queues, self.queue, due, self._send_rate, now
        )

    def _send_rate(self, tenant_id: str) -> int | None:
        tenant = self._facts.tenant(tenant_id)
        return None if tenant is None else send_rate.send_rate(tenant.plan)

    async def process(self, tenant_id: str, message_id: str) -> str:
        # SQS may deliver the same message twice in one batch: the first copy does the work
        # (the conditional claim would stop the second too; this saves its requests).
        if (tenant_id, message_id) in self._seen:
            return "duplicate_in_batch"
        self._seen.add((tenant_id, message_id))
        if (tenant_id, message_id) in self._waiting:
            return self._note(message_id, "rate_limited")
        loaded = self._loaded.get((tenant_id, message_id))
        if loaded is None:
            loaded = await asyncio.to_thread(
                self.ports.messages.get_with_lease, tenant_id, message_id
            )
        if loaded is None:
            return self._note(message_id, "missing")
        message, lease = loaded
        return self._note(message_id, await self._process(message, lease))

    def _note(self, message_id: str, outcome: str) -> str:
        self.outcomes[message_id] = outcome
        return outcome

    async def _process(self, message: Message, lease: int) -> str:
        # Two thread hops per message: everything before the SMTP transaction (blocking
        # store calls and the CPU-bound build), then the record.
        ready = await asyncio.to_thread(self._before_send, message, lease)
        if isinstance(ready, str):
            return ready
        envelope = self.ports.envelope(ready.built, message.to)
        claim = _ClaimWhenConnected(self, ready)
        result = await self._sender(ready.mailbox).send(envelope, claim)
        if claim.asked and not claim.won:
            return "changed_elsewhere"
        return await asyncio.to_thread(self._record, ready, result, claim.won)

    def _before_send(self, message: Message, lease: int) -> str | _Ready:
        """An outcome (the message needs no SMTP now), or the message built and ready to
        hand over (claimed later, once it holds a connection)."""
        now = self.ports.clock.now()
        if message.final:
            return "duplicate"
        if message.status == "sending":
            if lease <= now.timestamp():
                return self._fail_unknown(message)
            # Its holder may still die: look again once the lease ends (this job is acked),
            # so a message is never left `sending` with no job that could end it.
            self._requeue(message, lease - now.timestamp())
            return "in_flight_elsewhere"
        wait = outcomes.seconds_until(message.scheduled_at, now)
        if wait > 0:
            self._requeue(message, wait)
            return "scheduled"
        stop = self._guard(message, now)
        return stop if stop is not None else self._build(message, now)

    # --- guards -------------------------------------------------------------------------

    def _guard(self, message: Message, now: datetime) -> str | None:
        tenant = self._facts.tenant(message.tenant_id)
        mailbox = self._facts.mailbox(message.tenant_id, message.mailbox_id)
        domain = self._facts.domain(message.tenant_id, message.domain_id)
        if tenant is None or mailbox is None or domain is None:
            return self._stop(
                message, "suppressed", "hold_if_missing", "its tenant, mailbox or domain is gone"
            )
        facts = self._facts.send_facts(message, tenant, mailbox, domain, now)
        verdict = send_guards.run_guards(facts)
        if verdict is not None:
            return self._stop(message, verdict.outcome, verdict.step, verdict.reason, cap=True)
        provider = delivery_rules.provider_of(message.to)
        until = self._facts.cooldown(message.tenant_id, mailbox.mailbox_id, provider)
        if until > now.timestamp():
            reason = f"mailbox cooling down for {provider} after throttling"
            return self._stop(
                message,
                "deferred",
                "defer_if_provider_cooling",
                reason,
                delay=until - now.timestamp(),
            )
        gate = self._breakers.check(mailbox)  # last: a half-open breaker's probe is sent
        if gate.kind == "defer":
            return self._stop(message, "deferred", breaker_rules.STEP, gate.reason, delay=gate.wait)
        return None

    def _stop(
        self,
        message: Message,
        outcome: str,
        step: str,
        reason: str,
        cap: bool = False,
        delay: float | None = None,
    ) -> str:
        at = self.ports.clock.now_iso()
        changed = messages.with_status(message, outcome, at, step=step, reason=reason)
        event = self._event(changed, outcome, step=step, reason=reason)
        try:
            self.ports.messages.transition(
                changed, messages.WAITING, message.attempts, events=[event]
            )
        except StaleWrite:
            return "changed_elsewhere"
        if outcome == "deferred":
            self._requeue(changed, delay if delay is not None else MAX_DELAY)
        return outcome

    # --- claim, build, send, record -------------------------------------------------------

    def _build(self, message: Message, now: datetime) -> str | _Ready:
        tenant = self._facts.tenant(message.tenant_id)
        mailbox = self._facts.mailbox(message.tenant_id, message.mailbox_id)
        domain = self._facts.domain(message.tenant_id, message.domain_id)
        assert tenant is not None and mailbox is not None and domain is not None  # guarded
        at = self.ports.clock.now_iso()
        claimed = replace(
            messages.with_status(message, "sending", at, attempt=message.attempts + 1),
            attempts=message.attempts + 1,
        )
        if not is_warmup(message):  # warm-up mail is not counted against the daily cap
            self._facts.note_sent(message.tenant_id, mailbox.mailbox_id)
        try:
            identity = self.ports.identity(tenant, domain, mailbox)
            sources = self.ports.bodies.get(message.body_key)
            built = self.ports.builder(claimed, sources, identity, now)
        except (ValueError, LookupError) as exc:
            return self._record_build_failure(message, str(exc))
        return _Ready(message, claimed, built, mailbox)

    def _claim(self, ready: _Ready) -> bool:
        lease = int(self.ports.clock.now().timestamp()) + self.ports.lease_seconds
        claimed, waiting = ready.claimed, ready.message
        event = self._event(claimed, "sending", attempt=claimed.attempts)
        try:
            self.ports.messages.transition(
                claimed, messages.WAITING, waiting.attempts, lease, events=[event]
            )
        except StaleWrite:
            return False
        return True

    def _sender(self, mailbox: Mailbox) -> MessageSender:
        key = (mailbox.tenant_id, mailbox.mailbox_id)
        if key not in self._senders:
            self._senders[key] = self.ports.senders(mailbox)
        return self._senders[key]

    def _record_build_failure(self, message: Message, reason: str) -> str:
        attempted = replace(message, attempts=message.attempts + 1)
        changed = messages.with_status(
            attempted, "failed", self.ports.clock.now_iso(), reason=f"could not build: {reason}"
        )
        return self._write_outcome(
            changed, messages.WAITING, message.attempts, reason=f"could not build: {reason}"
        )

    def _record(self, ready: _Ready, result: SendResult, claimed: bool) -> str:
        """The outcome of an attempt: over the claim when the message was handed over, else
        (its session never got ready) straight from the waiting state it is still in."""
        if claimed:
            message, expected, at_attempt = ready.claimed, AFTER_CLAIM, None
        else:
            message = replace(ready.message, attempts=ready.claimed.attempts)
            expected, at_attempt = messages.WAITING, ready.message.attempts
        outcome = outcomes.outcome_of(result, message.to)
        at = self.ports.clock.now_iso()
        details: dict[str, Any] = {
            "attempt": message.attempts,
            "smtp_code": result.code,
            "enhanced_status": outcome.enhanced,
            "smtp_text": result.text,
            "stage": result.stage,
        }
        status = outcomes.status_for(outcome, result)
        delay = None
        if status == "deferred":
            delay = self._retry_delay(message, outcome)
            if delay is None:
                status = "failed"
                details["reason"] = f"gave up after {message.attempts} attempts"
        changed = messages.with_status(message, status, at, **details)
        attempts = message.attempts if at_attempt is None else at_attempt
        written = self._write_outcome(changed, expected, attempts, **details)
        if written == "changed_elsewhere":
            return written
        self._after(changed, outcome, status, delay)
        self._breakers.observe(ready.mailbox, result)  # after the message's own outcome
        return status

    def _retry_delay(self, message: Message, outcome: Outcome) -> float | None:
        scale = self.ports.retry_scale
        if outcome.kind == "throttled":
            if message.attempts >= delivery_rules.MAX_ATTEMPTS:
                return None
            return delivery_rules.THROTTLE_COOLDOWN_SECONDS * scale
        return delivery_rules.retry_delay(message.attempts, scale=scale)

    def _write_outcome(
        self, changed: Message, expected: Collection[str], attempts: int, **details: Any
    ) -> str:
        """Write ``changed`` if the message is still in one of ``expected`` at ``attempts``.
        After a claim ``expected`` holds "failed" too: a provisional outcome_unknown written
        by a redelivery is replaced by the outcome this worker really saw."""
        event = self._event(changed, changed.status, **details)
        try:
            self.ports.messages.transition(changed, expected, attempts, events=[event])
        except StaleWrite:
            return "changed_elsewhere"
        return changed.status

    def _after(self, message: Message, outcome: Outcome, status: str, delay: float | None) -> None:
        if status == "bounced" and not is_warmup(message):
            outcomes.suppress_after_bounce(
                self.ports.soft_bounces, self.ports.suppressions, self.ports.clock, message, outcome
            )
        if status == "deferred":
            if outcome.kind == "throttled":
                self._cool_down(message, delay or 0)
            self._requeue(message, delay or 0)
        if status == "failed":
            self.ports.queues.dead(self.queue, (message.tenant_id, message.message_id), "failed")

    def _cool_down(self, message: Message, seconds: float) -> None:
        provider = delivery_rules.provider_of(message.to)
        until = int(self.ports.clock.now().timestamp() + seconds)
        self._facts.cool_down(message.tenant_id, message.mailbox_id, provider, until)

    def _fail_unknown(self, message: Message) -> str:
        changed = messages.with_status(
            message,
            "failed",
            self.ports.clock.now_iso(),
            reason=UNKNOWN,
            detail="the worker stopped mid-send; not sent again so it is never sent twice",
        )
        event = self._event(changed, "failed", reason=UNKNOWN)
        try:
            self.ports.messages.transition(changed, ("sending",), message.attempts, events=[event])
        except StaleWrite:
            return "changed_elsewhere"
        self.ports.queues.dead(self.queue, (message.tenant_id, message.message_id), UNKNOWN)
        return "failed"

    def _requeue(self, message: Message, seconds: float) -> None:
        delay = max(0, min(MAX_DELAY, int(seconds + 0.999)))
        self.ports.queues.enqueue_many(self.queue, [(message.tenant_id, message.message_id, delay)])

    def _event(self, message: Message, status: str, **details: Any) -> Event:
        """The event of ``message``'s change to ``status``, stored with that write."""
        return messages.status_event(message, status, message.timeline[-1]["at"], **details)

    async def close(self) -> None:
        await asyncio.gather(*(s.close() for s in self._senders.values()), return_exceptions=True)
        self._senders.clear()
