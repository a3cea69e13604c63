"""The A/B auto-winner over the twins: once every variant of a step has its sample and one
leads on reply rate, the contacts not yet sent that step get only it; the decision is
recorded once on the campaign and never flips; the counters are read once per campaign and
run; off, or below the sample, the weights decide as before."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta
from typing import Any

from chalicelib.campaigns.service import campaigns, enrolment, scheduler, winners
from tests.fakes.campaigns import FakeEnrolmentStore, World, world
from tests.fakes.core import FakeClock
from tests.unit.campaigns.world import CTX, MAILBOXES, TENANT, TUESDAY_MORNING, settings, steps


def _ab_steps() -> list[dict[str, Any]]:
    made = steps()
    made[0]["variants"] = [
        {"name": "A", "subject": "Hi A", "text": "Version A"},
        {"name": "B", "subject": "Hi B", "text": "Version B"},
    ]
    return made


class CountingEnrolments(FakeEnrolmentStore):
    def __init__(self) -> None:
        super().__init__()
        self.progress_reads = 0

    def progress(self, tenant_id: str, campaign_id: str) -> dict[str, int]:
        self.progress_reads += 1
        return super().progress(tenant_id, campaign_id)


def _ready(contacts: int, enabled: bool = True, min_sample: int = 10, **extra: Any):
    w: World = world(FakeClock(TUESDAY_MORNING))
    counting = CountingEnrolments()
    w.enrolments, w.ports.enrolments = counting, counting
    for index, mailbox in enumerate(MAILBOXES):
        w.mailboxes.mailboxes[(TENANT, mailbox)] = f"sender{index}@outreach.test"
    people = w.contacts.add(TENANT, contacts, first_name="Ann", company="Acme")
    auto = {"enabled": enabled, "min_sample": min_sample}
    made = campaigns.create(w.ports, CTX, "AB", _ab_steps(), settings(ab_auto_winner=auto, **extra))
    campaigns.act(w.ports, CTX, made.campaign_id, "start")
    enrolment.enrol(w.ports, CTX, made.campaign_id, [p.contact_id for p in people], [])
    return w, made.campaign_id


def _progress(w: World, campaign_id: str, **counts: int) -> None:
    """Set step 1's per-variant counters as reactions would have (``A_sent=10`` …)."""
    bucket = w.enrolments.counters.setdefault((TENANT, campaign_id), {})
    for name, value in counts.items():
        variant, metric = name.split("_")
        bucket[f"s1:{variant}:{metric}"] = value


def _variants_sent(w: World) -> Counter[str | None]:
    return Counter(s.campaign.variant for s in w.sender.sent.values() if s.campaign.step == 1)


def test_a_leader_after_the_sample_is_the_only_variant_the_rest_get_and_is_shown():
    # given a day's cap that sends step 1 to 6 of 30, with both variants
    w, campaign_id = _ready(30, per_mailbox_daily_limit=2)
    scheduler.run(w.ports)
    first_day = {s.campaign.contact_id: s.campaign.variant for s in w.sender.sent.values()}
    assert len(first_day) == 6
    # and then B leads on replies with every variant past the sample
    _progress(w, campaign_id, A_sent=10, A_replied=1, B_sent=12, B_replied=4)
    w.clock.moment += timedelta(days=1)

    scheduler.run(w.ports)

    later = [s for s in w.sender.sent.values() if s.campaign.contact_id not in first_day]
    assert len(later) == 6 and {s.campaign.variant for s in later} == {"B"}
    assert {s.subject for s in later} == {"Hi B"}
    stored = w.campaigns.get(TENANT, campaign_id)
    assert stored.winners == {"1": "B"} and stored.to_public()["winners"] == {"1": "B"}
    for e in w.enrolments.items.values():  # those sent before keep the variant they got
        if e.contact_id in first_day:
            assert e.variants == {"1": first_day[e.contact_id]}


def test_the_counters_are_read_once_per_campaign_and_run_not_per_enrolment():
    w, campaign_id = _ready(30)
    _progress(w, campaign_id, A_sent=10, A_replied=3, B_sent=10, B_replied=3)  # a tie

    scheduler.run(w.ports)

    # one read for the auto-winner, one for the completion check, whatever the enrolments
    assert w.enrolments.progress_reads == 2
    assert len(_variants_sent(w)) == 2 and w.campaigns.get(TENANT, campaign_id).winners == {}


def test_a_recorded_winner_never_flips_when_the_counters_change():
    w, campaign_id = _ready(30, per_mailbox_daily_limit=2)
    _progress(w, campaign_id, A_sent=10, A_replied=5, B_sent=10, B_replied=1)
    scheduler.run(w.ports)
    _progress(w, campaign_id, A_sent=100, A_replied=1, B_sent=100, B_replied=50)
    w.clock.moment += timedelta(days=1)

    scheduler.run(w.ports)

    assert _variants_sent(w) == {"A": 12}
    assert w.campaigns.get(TENANT, campaign_id).winners == {"1": "A"}


def test_a_run_that_read_the_campaign_before_another_recorded_a_winner_takes_the_stored_one():
    w, campaign_id = _ready(3)
    stale = w.campaigns.get(TENANT, campaign_id)
    assert w.campaigns.set_winner(TENANT, campaign_id, 1, "B")
    _progress(w, campaign_id, A_sent=10, A_replied=5, B_sent=10, B_replied=1)

    settled = winners.settle(w.ports, stale)

    assert settled.winners == {"1": "B"}
    assert not w.campaigns.set_winner(TENANT, campaign_id, 1, "A")


def test_off_or_below_the_sample_the_weights_decide():
    for enabled, min_sample in ((False, 10), (True, 11)):
        w, campaign_id = _ready(30, enabled=enabled, min_sample=min_sample)
        _progress(w, campaign_id, A_sent=10, A_replied=9, B_sent=20, B_replied=0)

        scheduler.run(w.ports)

        assert set(_variants_sent(w)) == {"A", "B"}
        assert w.campaigns.get(TENANT, campaign_id).winners == {}


def test_a_variant_of_weight_zero_is_left_out_and_a_single_variant_is_not_a_contest():
    w, campaign_id = _ready(0)
    campaign = w.campaigns.get(TENANT, campaign_id)
    three = [{"name": "A"}, {"name": "B", "weight": 2}, {"name": "C", "weight": 0}]
    one = [{"name": "A"}, {"name": "C", "weight": 0}]
    shaped = replace(
        campaign,
        steps=(
            {**campaign.steps[0], "variants": three},
            campaign.steps[1],
            {**campaign.steps[2], "variants": one},
        ),
    )
    assert winners.undecided(shaped) == {1: ["A", "B"]}
    assert winners.undecided(replace(shaped, winners={"1": "A"})) == {}
    counters = {"s1:A:sent": 5, "s1:B:sent": 5, "s1:B:replied": 1}
    assert winners.leaders({1: ["A", "B"]}, counters, 5) == {1: "B"}
    assert winners.leaders({1: ["A", "B"]}, counters, 6) == {}
