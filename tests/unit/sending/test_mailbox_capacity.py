"""``mailbox_capacity``: a mailbox's room left on a day is its cap (the daily limit, or the
warm-up plan's volume when lower, as the send guard counts it) minus what it sent, and it is
unhealthy while it cannot send: a status that does not send, its server's circuit open, a
provider cool-down."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.analytics import mailbox_day_period
from chalicelib.core.tenancy import system_context
from chalicelib.sending.rules.breaker import Breaker, server_of
from chalicelib.sending.service.capacity import mailbox_capacity
from tests.fakes.campaign_sending import CampaignWorld, campaign_world

DAY = "2026-11-28"  # the world's clock's day


@pytest.fixture
def cw() -> CampaignWorld:
    return campaign_world()


def _mailbox(cw: CampaignWorld, sent: int = 0, **changes):
    mailbox = replace(cw.world.mailbox, **changes)
    cw.world.ports.mailboxes.save(system_context(cw.tenant_id), mailbox)
    period = mailbox_day_period(mailbox.mailbox_id, DAY)
    cw.world.counters.values[(cw.tenant_id, period)] = {"message_sent": sent}
    return mailbox


def _capacity(cw: CampaignWorld, mailbox_id: str, day: str = DAY):
    return mailbox_capacity(cw.capacity, cw.tenant_id, [mailbox_id], day)[mailbox_id]


def test_room_left_is_the_daily_limit_minus_what_was_sent(cw):
    mailbox = _mailbox(cw, sent=12, daily_limit=50)
    found = _capacity(cw, mailbox.mailbox_id)
    assert (found.remaining, found.healthy, found.reason) == (38, True, None)
    assert _capacity(cw, mailbox.mailbox_id, "2026-11-29").remaining == 50  # another day


def test_a_warming_mailbox_is_capped_by_its_plans_day_like_the_guard(cw):
    # day 0 of the standard plan: 10, below a daily limit of 50
    mailbox = _mailbox(
        cw,
        sent=4,
        daily_limit=50,
        status="warming",
        warmup_plan="standard",
        warmup_started_on=DAY,
    )
    assert _capacity(cw, mailbox.mailbox_id).remaining == 6
    # day 42 (500 a day): the daily limit is lower again
    assert _capacity(cw, mailbox.mailbox_id, "2027-01-09").remaining == 50


def test_a_mailbox_over_its_cap_has_none_left_not_less(cw):
    mailbox = _mailbox(cw, sent=80, daily_limit=50)
    assert _capacity(cw, mailbox.mailbox_id).remaining == 0


def test_a_mailbox_whose_status_does_not_send_is_unhealthy(cw):
    mailbox = _mailbox(cw, status="paused")
    found = _capacity(cw, mailbox.mailbox_id)
    assert not found.healthy and found.reason == "the mailbox is paused"


def test_an_open_server_circuit_makes_it_unhealthy_until_the_probe_may_go(cw):
    # given the mailbox's server breaker open for another minute
    mailbox = cw.world.mailbox
    now = cw.world.ports.clock.now().timestamp()
    server = server_of(mailbox.smtp.host, mailbox.smtp.port)
    opened = Breaker(cw.tenant_id, server, failures=3, opens=1, until=now + 60)
    cw.world.ports.breakers.items[(cw.tenant_id, server)] = opened

    # then it is unhealthy with the breaker's reason
    found = _capacity(cw, mailbox.mailbox_id)
    assert not found.healthy and "circuit open" in str(found.reason)

    # and once the cool-down ended (half-open, nobody probing) a message may go again
    cw.world.ports.breakers.items[(cw.tenant_id, server)] = replace(opened, until=now - 1)
    assert _capacity(cw, mailbox.mailbox_id).healthy


def test_a_provider_cool_down_makes_it_unhealthy_while_it_lasts(cw):
    mailbox = cw.world.mailbox
    now = int(cw.world.ports.clock.now().timestamp())
    cw.world.ports.cooldowns.set(cw.tenant_id, mailbox.mailbox_id, "gmail", now + 600)
    found = _capacity(cw, mailbox.mailbox_id)
    assert not found.healthy and "gmail" in str(found.reason)
    cw.world.ports.cooldowns.set(cw.tenant_id, mailbox.mailbox_id, "gmail", now)
    assert _capacity(cw, mailbox.mailbox_id).healthy


def test_an_unknown_or_another_tenants_mailbox_has_no_room(cw):
    found = mailbox_capacity(cw.capacity, "ten_someoneelse", [cw.world.mailbox.mailbox_id], DAY)
    assert [(c.remaining, c.healthy) for c in found.values()] == [(0, False)]
    many = mailbox_capacity(
        cw.capacity, cw.tenant_id, [cw.world.mailbox.mailbox_id, "mbx_nope"], DAY
    )
    assert list(many) == [cw.world.mailbox.mailbox_id, "mbx_nope"]
    assert many["mbx_nope"].reason == "no such mailbox"


def test_many_mailboxes_read_their_cool_downs_in_one_batch_and_each_server_once(cw):
    # given three mailboxes on one SMTP server, the third cooling down for Microsoft
    first = _mailbox(cw, sent=1)
    others = [_mailbox(cw, mailbox_id=f"mbx_{n * 20}") for n in "bc"]
    ids = [first.mailbox_id, *(m.mailbox_id for m in others)]
    now = int(cw.world.ports.clock.now().timestamp())
    cw.world.ports.cooldowns.set(cw.tenant_id, ids[2], "microsoft", now + 600)
    breakers = cw.world.ports.breakers.reads

    # when their capacity is read together
    found = mailbox_capacity(cw.capacity, cw.tenant_id, ids, DAY)

    # then one cool-down read and one circuit read for all three, and the third unhealthy
    assert [found[m].healthy for m in ids] == [True, True, False]
    assert "microsoft" in str(found[ids[2]].reason)
    assert cw.world.ports.cooldowns.batch_reads == 1
    assert cw.world.ports.breakers.reads - breakers == 1
