"""DMARC staging over fakes, with a moved clock at days 29, 31 and 91: Route 53 domains get
the stricter record published by the check that finds it due and are held to it once DNS
shows it; manual domains are told once per stage (a notification and the DNS listing) and
are never blocked for a stage they were not asked to publish; stricter is always fine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.core.tenancy import system_context
from chalicelib.domains import service
from chalicelib.domains.rules.domains import DomainParams
from tests.fakes.core import FakeClock, FakeSecrets
from tests.fakes.domains import FakeDomains, FakeZones

CREATED = datetime(2026, 1, 1, 12, tzinfo=UTC)
RUA = "dmarc@pm.test"
POLICY = {
    "none": f"v=DMARC1; p=none; rua=mailto:{RUA}",
    "quarantine": f"v=DMARC1; p=quarantine; pct=10; rua=mailto:{RUA}",
    "reject": f"v=DMARC1; p=reject; rua=mailto:{RUA}",
}


class World:
    def __init__(self, provider: str) -> None:
        self.clock = FakeClock(CREATED)
        self.zones = FakeZones()
        self.notes: list[tuple[str, str, dict[str, str]]] = []
        self.ports = service.DomainPorts(
            domains=FakeDomains(),
            publisher=lambda: self.zones,
            secrets=FakeSecrets(),
            keys=lambda: ("PEM", "AAAA"),
            dns=lambda: self.zones,
            clock=self.clock,
            params=DomainParams("t.pm.test", RUA),
            secrets_prefix="pm",
            notify=lambda tenant_id, kind, facts: self.notes.append((tenant_id, kind, facts)),
        )
        self.ctx = system_context("ten_aaaaaaaaaaaaaaaaaaaa", "business")
        name = f"{provider}.test"
        made = service.create_domain(self.ports, self.ctx, name, provider, ["192.0.2.1"], [])
        self.id, self.dmarc = made.domain_id, f"_dmarc.{name}"

    def publish_listed(self) -> None:
        """What a tenant with a manual domain does: publish every listed record."""
        for record in self.dns()["records"]:
            self.zones.edit(record["name"], record["type"], record["value"])

    def dns(self) -> dict:
        return service.dns_view(self.ports, self.ctx, self.id)

    def dmarc_listed(self) -> dict:
        return next(r for r in self.dns()["records"] if r["kind"] == "dmarc")

    def at_day(self, day: int) -> None:
        self.clock.moment = CREATED + timedelta(days=day)

    def verify(self):
        domain = service.verify_domain(self.ports, self.ctx, self.id)
        self.clock.advance(3600)  # the next hourly check
        return domain

    def dmarc_in_dns(self) -> tuple[str, ...]:
        return self.zones.lookup(self.dmarc, "TXT").values

    def dmarc_upserts(self) -> int:
        return self.zones.upserts.count((self.dmarc, "TXT"))


@pytest.fixture
def route53() -> World:
    world = World("route53")
    assert world.verify().can_send
    return world


@pytest.fixture
def manual() -> World:
    world = World("manual")
    world.publish_listed()
    assert world.verify().can_send
    return world


def test_route53_day_29_keeps_p_none_and_publishes_nothing(route53):
    route53.at_day(29)
    domain = route53.verify()
    assert domain.can_send and domain.dmarc_stage == "none"
    assert route53.dmarc_in_dns() == (POLICY["none"],) and route53.dmarc_upserts() == 1


def test_route53_day_31_republishes_quarantine_without_blocking_then_holds_to_it(route53):
    # when the day-31 check finds quarantine due and p=none still in DNS
    route53.at_day(31)
    first = route53.verify()
    # then it publishes quarantine (once) and does not block for what it just published
    assert first.can_send and first.dmarc_stage == "none" and first.dmarc_asked == "quarantine"
    assert route53.dmarc_in_dns() == (POLICY["quarantine"],) and route53.dmarc_upserts() == 2
    # and the next check, seeing it, holds the domain to quarantine
    second = route53.verify()
    assert second.can_send and second.dmarc_stage == "quarantine"
    assert route53.dmarc_upserts() == 2
    # so a record weakened by hand now fails and blocks sending
    route53.zones.edit(route53.dmarc, "TXT", POLICY["none"])
    weakened = route53.verify()
    assert weakened.sending_blocked and "weaker" in _dmarc_reason(weakened)
    assert route53.notes == []


def test_route53_day_91_republishes_reject(route53):
    route53.at_day(31)
    route53.verify()
    route53.verify()
    route53.at_day(91)
    assert route53.verify().can_send
    assert route53.dmarc_in_dns() == (POLICY["reject"],)
    assert route53.verify().dmarc_stage == "reject"
    assert route53.dmarc_upserts() == 3


def test_route53_day_91_after_no_check_in_between_goes_straight_to_reject(route53):
    route53.at_day(91)
    assert route53.verify().can_send
    assert route53.dmarc_in_dns() == (POLICY["reject"],) and route53.dmarc_upserts() == 2


def test_a_deleted_route53_domain_takes_the_dmarc_it_published_with_it(route53):
    route53.at_day(31)
    route53.verify()
    service.delete_domain(route53.ports, route53.ctx, route53.id)
    assert route53.zones.lookup(route53.dmarc, "TXT").status == "nxdomain"


def test_manual_day_29_asks_nothing(manual):
    manual.at_day(29)
    assert manual.verify().can_send
    assert manual.notes == [] and "advised_upgrade" not in manual.dmarc_listed()


def test_manual_day_31_tells_the_tenant_once_and_keeps_verifying_p_none(manual):
    # when the day-31 checks find quarantine due and the tenant's p=none in DNS
    manual.at_day(31)
    domain = manual.verify()
    manual.verify()
    # then the domain still verifies, and the tenant is told once, with the record to publish
    assert domain.can_send and domain.dmarc_stage == "none"
    assert [(kind, facts["record"], facts["value"]) for _, kind, facts in manual.notes] == [
        ("domain.dmarc_upgrade", manual.dmarc, POLICY["quarantine"])
    ]
    # and the DNS listing shows the new value as an advised upgrade
    listed = manual.dmarc_listed()
    assert listed["value"] == POLICY["quarantine"] and listed["advised_upgrade"] is True
    assert listed["required_value"] == POLICY["none"]
    assert POLICY["quarantine"] in manual.dns()["bind"]


def test_manual_once_the_tenant_publishes_the_stage_it_is_held_to_it(manual):
    manual.at_day(31)
    manual.verify()
    manual.publish_listed()
    assert manual.verify().dmarc_stage == "quarantine"
    assert "advised_upgrade" not in manual.dmarc_listed()
    manual.zones.edit(manual.dmarc, "TXT", POLICY["none"])
    assert manual.verify().sending_blocked


def test_manual_day_91_asks_for_reject_once_more(manual):
    manual.at_day(31)
    manual.verify()
    manual.publish_listed()
    manual.verify()
    manual.at_day(91)
    assert manual.verify().can_send
    manual.verify()
    assert [facts["value"] for _, _, facts in manual.notes] == [
        POLICY["quarantine"],
        POLICY["reject"],
    ]
    assert manual.dmarc_listed()["required_value"] == POLICY["quarantine"]


def test_stricter_than_the_stage_is_always_fine_and_asks_nothing(manual):
    manual.zones.edit(manual.dmarc, "TXT", POLICY["reject"])
    for day, held in ((5, "none"), (31, "quarantine"), (91, "reject")):
        manual.at_day(day)
        domain = manual.verify()
        assert domain.can_send and domain.dmarc_stage == held
    assert manual.notes == []


def _dmarc_reason(domain) -> str:
    return next(c["reason"] for c in domain.checks if c["kind"] == "dmarc")


def test_the_notice_goes_to_the_tenants_contact_and_nowhere_without_one():
    from chalicelib.accounts.rules.tenants import new_tenant
    from chalicelib.accounts.service.tenants import AccountPorts, notify_tenant
    from tests.fakes.accounts import FakeQueue, FakeTenants

    tenants, queue = FakeTenants(), FakeQueue()
    ports = AccountPorts(tenants, None, None, None, queue, FakeClock(), lambda: "")
    with_contact = new_tenant("A", "business", "t", contact_email="ops@acme.test")
    without = new_tenant("B", "business", "t")
    for tenant in (with_contact, without):
        tenants.create(tenant)
    facts = {"domain": "acme.test", "value": "v=DMARC1; p=reject"}
    assert notify_tenant(ports, with_contact.tenant_id, "domain.dmarc_upgrade", facts)
    assert not notify_tenant(ports, without.tenant_id, "domain.dmarc_upgrade", facts)
    assert [(j["to"], j["kind"]) for j in queue.jobs] == [("ops@acme.test", "domain.dmarc_upgrade")]
