"""Each guard step on its own, then the order they run in."""

from dataclasses import replace

import pytest

from chalicelib.sending.rules import guards as g

OK = g.SendFacts(
    tenant_active=True,
    monthly_sent=0,
    monthly_allowance=10_000,
    message_cancelled=False,
    recipient_suppressed_tenant=False,
    recipient_suppressed_global=False,
    domain_can_send=True,
    mailbox_status="active",
    mailbox_sent_today=0,
    mailbox_daily_limit=50,
    warmup_plan=None,
    warmup_day=0,
    bulk=True,
    has_unsubscribe=True,
    has_postal_address=True,
)


def test_a_clean_send_passes_every_step():
    assert g.run_guards(OK) is None


@pytest.mark.parametrize(
    "changes,step,outcome",
    [
        ({"tenant_active": False}, "hold_if_tenant_inactive", "suppressed"),
        ({"monthly_sent": 10_000}, "defer_if_over_monthly_quota", "deferred"),
        ({"message_cancelled": True}, "drop_if_cancelled", "suppressed"),
        ({"recipient_suppressed_tenant": True}, "hold_if_suppressed", "suppressed"),
        ({"recipient_suppressed_global": True}, "hold_if_suppressed", "suppressed"),
        ({"domain_can_send": False}, "hold_if_domain_unverified", "suppressed"),
        ({"mailbox_status": "paused"}, "hold_if_mailbox_inactive", "suppressed"),
        ({"mailbox_sent_today": 50}, "defer_if_mailbox_over_cap", "deferred"),
        ({"has_unsubscribe": False}, "hold_if_not_compliant", "suppressed"),
        ({"has_postal_address": False}, "hold_if_not_compliant", "suppressed"),
    ],
)
def test_each_step_stops_its_case(changes, step, outcome):
    verdict = g.run_guards(replace(OK, **changes))
    assert (verdict.step, verdict.outcome) == (step, outcome)
    assert verdict.reason


def test_transactional_mail_needs_no_unsubscribe_and_unlimited_plans_no_quota():
    assert g.run_guards(replace(OK, bulk=False, has_unsubscribe=False)) is None
    assert g.run_guards(replace(OK, monthly_allowance=None, monthly_sent=10**9)) is None


def test_warmup_volume_follows_the_plan_formula():
    assert g.warmup_limit("standard", 0) == 10
    assert g.warmup_limit("standard", 21) == 255  # floor(10 + 490 * 21 / 42)
    assert g.warmup_limit("standard", 42) == 500 and g.warmup_limit("standard", 99) == 500
    assert g.warmup_limit("conservative", 1) == 10  # floor(5 + 295 / 56)
    assert g.warmup_limit("aggressive", 14) == 510


def test_a_warming_mailbox_is_capped_by_its_warmup_day():
    warming = replace(
        OK,
        mailbox_status="warming",
        warmup_plan="standard",
        warmup_day=0,
        mailbox_sent_today=10,
        mailbox_daily_limit=100,
    )
    assert g.run_guards(warming).step == "defer_if_mailbox_over_cap"
    assert g.run_guards(replace(warming, warmup_day=42)) is None


def test_the_first_objection_wins():
    verdict = g.run_guards(replace(OK, tenant_active=False, recipient_suppressed_global=True))
    assert verdict.step == "hold_if_tenant_inactive"
