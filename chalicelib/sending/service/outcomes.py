"""What one SMTP attempt's result means for its message, and the suppression a bounce may
bring: the send path's decisions after the sender answers (``delivery.SendBatch._record``).

- A result with no reply, or one at connect, TLS or AUTH, is a transient failure of the
  session, never the recipient's: deferred.
- A 5xx to MAIL FROM refuses the sender, not the recipient: the message fails, nobody is
  suppressed. A bounce at RCPT or DATA is the recipient's.
- A hard bounce suppresses the recipient at once; a soft one (5.2.2 mailbox full) counts in
  the recipient's run of soft bounces, the same run the DSNs count in, and suppresses after
  the rules' number of them. The suppression and its event are one write.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from chalicelib.core.clock import Clock, parse_iso
from chalicelib.core.events import new_event
from chalicelib.sending.rules import delivery as delivery_rules
from chalicelib.sending.rules.suppressions import Suppression, normalise

if TYPE_CHECKING:
    from chalicelib.sending.ports import SendResult, SoftBounceRuns, SuppressionStore
    from chalicelib.sending.rules.delivery import Outcome
    from chalicelib.sending.rules.messages import Message


def seconds_until(when: str | None, now: datetime) -> float:
    if not when:
        return 0
    at = parse_iso(when)
    return max(0.0, (at - now) / timedelta(seconds=1))


def outcome_of(result: SendResult, recipient: str) -> Outcome:
    if result.code is None or result.stage in ("connect", "tls", "auth"):
        return delivery_rules.Outcome("deferred", result.code, None, result.text)
    return delivery_rules.classify(result.code, result.text, recipient)


def status_for(outcome: Outcome, result: SendResult) -> str:
    if outcome.kind == "sent" and result.stage == "done":
        return "sent"
    if outcome.kind == "bounced":
        return "bounced" if result.stage in ("rcpt", "data") else "failed"
    return "deferred"


def suppress_after_bounce(
    runs: SoftBounceRuns,
    suppressions: SuppressionStore,
    clock: Clock,
    message: Message,
    outcome: Outcome,
) -> None:
    if outcome.soft:
        run = runs.record(message.tenant_id, message.to, message.message_id)
    else:
        run = 1
    if not delivery_rules.suppress_after(outcome, run):
        return
    kind = "soft bounces, the last" if outcome.soft else "hard bounce"
    entry = Suppression(
        address=normalise(message.to),
        scope="tenant",
        reason=f"{kind} {outcome.code} {outcome.enhanced or ''}".strip(),
        source="bounce",
        created_at=clock.now_iso(),
        actor=f"message:{message.message_id}",
    )
    event = new_event(
        "recipient.suppressed",
        message.tenant_id,
        entry.created_at,
        address=entry.address,
        reason=entry.reason,
        source="bounce",
        message_id=message.message_id,
    )
    suppressions.add(message.tenant_id, entry, events=[event])
