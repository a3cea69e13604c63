"""The ``DnsPublisher`` contract: ``FakeZones`` and ``Route53Publisher`` (moto Route 53, read
back through the DNS twin that answers from moto's zones) pass the same tests: a zone is
found again by name, an UPSERT replaces the record set, a DELETE removes only the exact
values it names."""

from __future__ import annotations

import os

import pytest

from chalicelib.domains.ports import DnsPublisher
from chalicelib.domains.rules.dns_records import RequiredRecord
from tests.fakes.domains import FakeZones
from tests.functional.twins import TWINS, twin


@pytest.fixture(params=TWINS)
def zones(request) -> tuple[DnsPublisher, object]:
    """The publisher, and a ``DnsLookup`` that answers from what it published."""

    def fake() -> tuple[DnsPublisher, object]:
        made = FakeZones()
        return made, made

    def real() -> tuple[DnsPublisher, object]:
        from chalicelib.domains.wiring import publisher
        from tests.fakes.dns import ZoneDns

        return publisher(), ZoneDns()

    return twin(request, fake, real)


@pytest.fixture
def domain() -> str:
    return f"zone{os.urandom(4).hex()}.test"


def _dmarc(domain: str, policy: str) -> RequiredRecord:
    value = f"v=DMARC1; p={policy}; rua=mailto:r@pm.test"
    return RequiredRecord("dmarc", f"_dmarc.{domain}", "TXT", value, verifies=True)


def test_a_zone_is_found_again_by_its_name(zones, domain):
    publisher, _ = zones
    first, _ = publisher.ensure_zone(domain)
    assert publisher.ensure_zone(domain)[0] == first


def test_an_upsert_replaces_the_record_set(zones, domain):
    publisher, dns = zones
    zone_id, _ = publisher.ensure_zone(domain)
    publisher.upsert(zone_id, [_dmarc(domain, "none")])
    publisher.upsert(zone_id, [_dmarc(domain, "quarantine")])
    assert dns.lookup(f"_dmarc.{domain}", "TXT").values == (_dmarc(domain, "quarantine").value,)


def test_a_delete_removes_only_the_exact_values_it_names(zones, domain):
    publisher, dns = zones
    zone_id, _ = publisher.ensure_zone(domain)
    publisher.upsert(zone_id, [_dmarc(domain, "reject")])
    publisher.delete(zone_id, [_dmarc(domain, "none")])
    assert dns.lookup(f"_dmarc.{domain}", "TXT").status == "ok"
    publisher.delete(zone_id, [_dmarc(domain, "reject")])
    assert dns.lookup(f"_dmarc.{domain}", "TXT").status == "nxdomain"
