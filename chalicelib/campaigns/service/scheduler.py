"""The campaign scheduler (a run every minute): for every running campaign, its due
enrolments from the due index, in bounded rounds (after the A/B auto-winner has looked
at the campaign's counters once, ``winners``); each one stopped, finished, deferred or
sent (``decide``); the sends enqueued in batches; every enrolment advanced.

Idempotent per (enrolment, step): an enrolment is leased (a conditional write on its
version, which also fixes its mailbox) before its email is enqueued, so two overlapping
runs never both enqueue it; the message id is derived from (enrolment, step), so a rerun
after a crash re-creates nothing; the advance is conditional on the leased version.

Capacity: a mailbox may take, today (UTC), what sending says it has left
(``mailbox_capacity``: its cap or warm-up cap minus what it sent, 0 when unhealthy) minus
the campaign emails this scheduler allocated to it that have not been sent yet (its own
per-mailbox per-day allocation counters, settled by the reactions); the campaign's daily
limit and ``per_mailbox_daily_limit`` count this scheduler's allocations.

A scheduled campaign whose ``start_at`` has come starts sending; a sending campaign whose
enrolments have all finished is completed (each with its ``campaign.*`` event)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from chalicelib.campaigns import model
from chalicelib.campaigns.rules.window import parse_window
from chalicelib.campaigns.service import decide as decisions
from chalicelib.campaigns.service import winners
from chalicelib.campaigns.service.progress import all_done
from chalicelib.campaigns.service.sends import Contents, outgoing
from chalicelib.core.clock import iso, parse_iso
from chalicelib.core.errors import QuotaExceeded

if TYPE_CHECKING:
    from datetime import datetime

    from chalicelib.campaigns.model import Campaign, Enrolment, Outgoing
    from chalicelib.campaigns.rules.window import Window
    from chalicelib.campaigns.service.bundle import CampaignPorts
    from chalicelib.campaigns.service.decide import Budget, Decision

LIMIT = 50  # due enrolments read per shard and round
ROUNDS = 10  # rounds per campaign and run; a backlog is worked off over the next runs
LEASE_SECONDS = 300
CAMPAIGNS = 1000


@dataclass
class RunReport:
    campaigns: int = 0
    queued: int = 0
    deferred: int = 0
    finished: int = 0
    started: int = 0
    completed: int = 0

    def add(self, other: RunReport) -> None:
        for name in ("queued", "deferred", "finished"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class CampaignRun:
    campaign: Campaign
    window: Window
    plan: str
    addresses: dict[str, str]
    budget: Budget
    now: datetime
    contents: Contents
    report: RunReport = field(default_factory=RunReport)


def run(ports: CampaignPorts) -> RunReport:
    report = RunReport()
    for tenant_id, campaign_id in ports.campaigns.active(CAMPAIGNS):
        campaign = ports.campaigns.get(tenant_id, campaign_id)
        if campaign is None:
            continue
        campaign = _start_if_due(ports, campaign, report)
        if campaign.status != model.SENDING:
            continue
        report.campaigns += 1
        report.add(run_campaign(ports, campaign))
        if all_done(ports.enrolments.progress(tenant_id, campaign_id)):
            report.completed += _complete(ports, campaign)
    return report


def _start_if_due(ports: CampaignPorts, campaign: Campaign, report: RunReport) -> Campaign:
    start_at = campaign.settings.get("start_at")
    if campaign.status != model.SCHEDULED or not start_at:
        return campaign
    if parse_iso(start_at) > ports.clock.now():
        return campaign
    started = model.transition(campaign, "start", ports.clock.now_iso())
    events = model.lifecycle_events(campaign, started, "start", "scheduler")
    if not ports.campaigns.save(started, campaign.version, events):
        return campaign
    report.started += 1
    return replace(started, version=campaign.version + 1)


def _complete(ports: CampaignPorts, campaign: Campaign) -> int:
    fresh = ports.campaigns.get(campaign.tenant_id, campaign.campaign_id)
    if fresh is None or fresh.status != model.SENDING:
        return 0
    done = model.transition(fresh, "complete", ports.clock.now_iso())
    events = model.lifecycle_events(fresh, done, "complete", "scheduler")
    return int(ports.campaigns.save(done, fresh.version, events))


def run_campaign(ports: CampaignPorts, campaign: Campaign) -> RunReport:
    """Rounds of due enrolments; nothing due, nothing else read (no capacity, no mailbox)."""
    now = ports.clock.now()
    due = _due(ports, campaign, now)
    state = _prepare(ports, campaign, now) if due else None
    if state is None:
        return RunReport()
    for number in range(ROUNDS):
        due = due if number == 0 else _due(ports, campaign, now)
        if not due or not _round(ports, state, due):
            break
    return state.report


def _due(ports: CampaignPorts, campaign: Campaign, now: datetime) -> list[Enrolment]:
    due: list[Enrolment] = []
    for shard in range(model.SHARDS):
        due += ports.enrolments.due(
            campaign.tenant_id, campaign.campaign_id, shard, iso(now), LIMIT
        )
    return due


def _prepare(ports: CampaignPorts, campaign: Campaign, now: datetime) -> CampaignRun | None:
    settings = campaign.settings
    window_settings = settings["window"]
    window = parse_window(
        window_settings["weekdays"],
        window_settings["start"],
        window_settings["end"],
        window_settings["time_zone"],
    )
    plan = ports.plans.plan_of(campaign.tenant_id)
    if plan is None:
        return None
    mailbox_ids = list(settings["mailbox_ids"])
    addresses = ports.mailboxes.addresses(campaign.tenant_id, mailbox_ids)
    budget = _budget(ports, campaign, set(addresses), now)
    campaign = winners.settle(ports, campaign)
    contents = Contents(ports, campaign)
    return CampaignRun(campaign, window, plan, addresses, budget, now, contents)


def day_of(now: datetime) -> str:
    return iso(now)[:10]


def _budget(ports: CampaignPorts, campaign: Campaign, known: set[str], now: datetime) -> Budget:
    """What each mailbox may still take today; a mailbox that is no longer the tenant's
    takes nothing."""
    day, cid, mailbox_ids = (
        day_of(now),
        campaign.campaign_id,
        list(campaign.settings["mailbox_ids"]),
    )
    capacity = ports.sender.capacity(campaign.tenant_id, mailbox_ids, day)
    allocated = ports.enrolments.allocations(campaign.tenant_id, day)
    per_mailbox = campaign.settings.get("per_mailbox_daily_limit")
    remaining, healthy = {}, {}
    for mailbox in mailbox_ids:
        found = capacity.get(mailbox)
        in_flight = allocated.get(f"m:{mailbox}", 0) - allocated.get(f"x:{mailbox}", 0)
        left = (found.remaining if found else 0) - max(0, in_flight)
        if per_mailbox is not None:
            left = min(left, per_mailbox - allocated.get(f"c:{cid}:{mailbox}", 0))
        remaining[mailbox] = max(0, left)
        healthy[mailbox] = bool(found and found.healthy) and mailbox in known
    limit = campaign.settings.get("daily_limit")
    left_today = None if limit is None else max(0, limit - allocated.get(f"c:{cid}", 0))
    return decisions.Budget(remaining, healthy, left_today)


def _round(ports: CampaignPorts, state: CampaignRun, due: list[Enrolment]) -> bool:
    """Work one round of due enrolments; False when nothing could move (stop the run)."""
    campaign = state.campaign
    contacts = ports.contacts.get_many(campaign.tenant_id, [e.contact_id for e in due])
    barred = _suppressed(ports, campaign, list(contacts.values()))
    sends: list[Decision] = []
    moved = 0
    for enrolment in due:
        contact = contacts.get(enrolment.contact_id)
        suppressed = contact is not None and contact.email in barred
        decision = decisions.decide(
            campaign, state.window, enrolment, contact, suppressed, state.budget, state.now
        )
        if decision.kind == "send":
            sends.append(decision)
        else:
            moved += _settle(ports, state, decision)
    moved += _send(ports, state, sends, contacts)
    return moved > 0


def _suppressed(ports: CampaignPorts, campaign: Campaign, contacts: list[Any]) -> set[str]:
    """The suppressed addresses of the round's active contacts: one look-up for all."""
    active = [c.email for c in contacts if c.status == "active"]
    return ports.sender.suppressed_among(campaign.tenant_id, active) if active else set()


def _settle(ports: CampaignPorts, state: CampaignRun, decision: Decision) -> int:
    before = decision.enrolment
    now = iso(state.now)
    if decision.kind == "defer":
        after = replace(before, due_at=decision.due_at, updated_at=now)
        state.report.deferred += 1
    else:
        status = model.STOPPED if decision.kind == "stop" else model.FINISHED
        after = replace(
            before, status=status, due_at=None, stop_reason=decision.reason, updated_at=now
        )
        state.report.finished += 1
    counts = decisions.moved_counts(state.campaign, before, after)
    return int(ports.enrolments.advance(before, after, counts))


def _send(
    ports: CampaignPorts, state: CampaignRun, sends: list[Decision], contacts: dict[str, Any]
) -> int:
    if not sends:
        return 0
    campaign, lease_until = state.campaign, int(state.now.timestamp()) + LEASE_SECONDS
    leased: list[tuple[Enrolment, Enrolment, str]] = []
    for decision in sends:
        mailbox = str(decision.mailbox_id)
        taken = ports.enrolments.lease(
            decision.enrolment, lease_until, int(state.now.timestamp()), mailbox
        )
        if taken is not None:
            leased.append((decision.enrolment, taken, mailbox))
    if not leased:
        return 0
    _allocate(ports, state, leased)
    emails = [
        outgoing(ports, state.contents, campaign, t, contacts[t.contact_id], m)
        for _, t, m in leased
    ]
    try:
        ports.sender.enqueue(campaign.tenant_id, state.plan, emails)
    except QuotaExceeded:
        return 0  # the leases lapse; the next run tries again
    advanced = []
    for (before, taken, _), email in zip(leased, emails, strict=True):
        zone = contacts[taken.contact_id].time_zone
        advanced.append(_advance(ports, state, before, taken, email, zone))
    _raise_reached(ports, state, advanced)
    return len(leased)


def _allocate(
    ports: CampaignPorts, state: CampaignRun, leased: list[tuple[Enrolment, Enrolment, str]]
) -> None:
    cid, counts = state.campaign.campaign_id, dict[str, int]()
    for _, _, mailbox in leased:
        for name in (f"m:{mailbox}", f"c:{cid}", f"c:{cid}:{mailbox}"):
            counts[name] = counts.get(name, 0) + 1
    ports.enrolments.allocate(state.campaign.tenant_id, day_of(state.now), counts)


def _advance(
    ports: CampaignPorts,
    state: CampaignRun,
    before: Enrolment,
    taken: Enrolment,
    email: Outgoing,
    contact_zone: str | None,
) -> int:
    """Move the leased enrolment past the email just enqueued; the furthest step position
    its sequence has passed."""
    campaign, variant = state.campaign, email.campaign.variant
    position, due = decisions.after_email(campaign, state.window, taken, contact_zone, state.now)
    rfc = ports.sender.rfc_message_id(email.message_id, state.addresses.get(email.mailbox_id, ""))
    number = email.campaign.step
    after = replace(
        taken,
        status=model.ACTIVE if due else model.FINISHED,
        position=position,
        due_at=due,
        mailbox_id=email.mailbox_id,
        last_step=number,
        refs=(*taken.refs, rfc),
        variants={**taken.variants, str(number): variant} if variant else taken.variants,
        alloc_day=day_of(state.now),
        lease_until=0,
        stop_reason=None if due else "done",
        updated_at=iso(state.now),
    )
    counts = decisions.moved_counts(campaign, before, after, variant, sent=True)
    if ports.enrolments.advance(taken, after, counts):
        state.report.queued += 1
    return position - 1


def _raise_reached(ports: CampaignPorts, state: CampaignRun, passed: list[int]) -> None:
    furthest = max(passed)
    if furthest > state.campaign.reached:
        ports.campaigns.raise_reached(
            state.campaign.tenant_id, state.campaign.campaign_id, furthest
        )
        state.campaign = replace(state.campaign, reached=furthest)
