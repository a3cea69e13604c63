"""The guard steps every message passes before it is built and sent (Postal's style).

Each step is a small named function over the facts of one send (``SendFacts``); the first
step that objects stops the message with its verdict and reason: ``suppressed`` (it will
never be sent) or ``deferred`` (caps: try again later, usually the next day). Steps run in
the order of ``STEPS``; each has its own tests.

Warm-up mail (``SendFacts.warmup``) is the warm-up's own volume: the monthly allowance, the
mailbox's daily cap and the bulk-mail compliance step (it carries no unsubscribe) do not
stop it, nor does the tenant's own suppression list (pool mailboxes are not the tenant's
contacts, and a pool bounce puts nobody on that list: it counts against the sending
mailbox in the warm-up's gates); the tenant, cancellation, platform-wide suppression, domain
and mailbox status steps do (and the send path's cool-downs and circuit breaker after them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from chalicelib.core.plans import warmup_limit
from chalicelib.mailboxes import SENDING_STATUSES


@dataclass(frozen=True)
class SendFacts:
    tenant_active: bool
    monthly_sent: int
    monthly_allowance: int | None
    message_cancelled: bool
    recipient_suppressed_tenant: bool
    recipient_suppressed_global: bool
    domain_can_send: bool
    mailbox_status: str
    mailbox_sent_today: int
    mailbox_daily_limit: int
    warmup_plan: str | None
    warmup_day: int | None
    bulk: bool
    has_unsubscribe: bool
    has_postal_address: bool
    warmup: bool = False  # the message is warm-up mail
    warmup_target: int | None = None  # the mailbox's warm-up target today, when written


@dataclass(frozen=True)
class Verdict:
    outcome: str  # suppressed | deferred
    step: str
    reason: str


Step = Callable[[SendFacts], "Verdict | None"]


def hold_if_tenant_inactive(f: SendFacts) -> Verdict | None:
    if not f.tenant_active:
        return Verdict("suppressed", "hold_if_tenant_inactive", "the tenant is suspended")
    return None


def defer_if_over_monthly_quota(f: SendFacts) -> Verdict | None:
    if f.warmup:
        return None
    if f.monthly_allowance is not None and f.monthly_sent >= f.monthly_allowance:
        return Verdict(
            "deferred",
            "defer_if_over_monthly_quota",
            f"monthly allowance of {f.monthly_allowance} emails is used up",
        )
    return None


def drop_if_cancelled(f: SendFacts) -> Verdict | None:
    if f.message_cancelled:
        return Verdict("suppressed", "drop_if_cancelled", "cancelled by the tenant")
    return None


def hold_if_suppressed(f: SendFacts) -> Verdict | None:
    if f.recipient_suppressed_global:
        return Verdict("suppressed", "hold_if_suppressed", "recipient on the global list")
    if f.recipient_suppressed_tenant and not f.warmup:
        return Verdict("suppressed", "hold_if_suppressed", "recipient on the tenant's list")
    return None


def hold_if_domain_unverified(f: SendFacts) -> Verdict | None:
    if not f.domain_can_send:
        return Verdict(
            "suppressed",
            "hold_if_domain_unverified",
            "the sending domain is not verified (or failed its last check)",
        )
    return None


def mailbox_sends(status: str) -> bool:
    return status in SENDING_STATUSES


def daily_cap(
    status: str,
    daily_limit: int,
    warmup_plan: str | None,
    warmup_day: int | None,
    warmup_target: int | None = None,
) -> int:
    """What a mailbox may send in a day (campaign and API mail): its daily limit, or, while
    it is warming and when lower, the warm-up's target for today (``warmup_target``, written
    by the warm-up) or else its plan's calendar volume for the day it is on."""
    if status != "warming":
        return daily_limit
    if warmup_target is not None:
        return min(daily_limit, warmup_target)
    if warmup_plan and warmup_day is not None:
        return min(daily_limit, warmup_limit(warmup_plan, warmup_day))
    return daily_limit


def hold_if_mailbox_inactive(f: SendFacts) -> Verdict | None:
    if not mailbox_sends(f.mailbox_status):
        return Verdict(
            "suppressed", "hold_if_mailbox_inactive", f"the mailbox is {f.mailbox_status}"
        )
    return None


def defer_if_mailbox_over_cap(f: SendFacts) -> Verdict | None:
    if f.warmup:
        return None
    cap = daily_cap(
        f.mailbox_status, f.mailbox_daily_limit, f.warmup_plan, f.warmup_day, f.warmup_target
    )
    if f.mailbox_sent_today >= cap:
        return Verdict(
            "deferred", "defer_if_mailbox_over_cap", f"the mailbox has sent its {cap} for today"
        )
    return None


def hold_if_not_compliant(f: SendFacts) -> Verdict | None:
    if f.bulk and not f.warmup and not (f.has_unsubscribe and f.has_postal_address):
        return Verdict(
            "suppressed",
            "hold_if_not_compliant",
            "bulk mail needs unsubscribe headers and the postal-address footer",
        )
    return None


STEPS: tuple[Step, ...] = (
    hold_if_tenant_inactive,
    defer_if_over_monthly_quota,
    drop_if_cancelled,
    hold_if_suppressed,
    hold_if_domain_unverified,
    hold_if_mailbox_inactive,
    defer_if_mailbox_over_cap,
    hold_if_not_compliant,
)


def run_guards(facts: SendFacts, steps: tuple[Step, ...] = STEPS) -> Verdict | None:
    """The first objection, or None when the message may be built and sent."""
    for step in steps:
        verdict = step(facts)
        if verdict is not None:
            return verdict
    return None
