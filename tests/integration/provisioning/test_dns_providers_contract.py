"""The ``DnsProvider`` contract: ``Route53Dns`` (the emulator's Route 53) and ``CloudflareDns``
(the local Cloudflare API, whose records live in the same Route 53) pass the same tests, read
back through the local DNS server with dnspython: upsert is by name and type (twice = once, a
new value replaces the old), sets of several values, long TXT split into 255-byte strings,
delete twice and delete in a missing zone are fine, the zone is created when missing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import dns.resolver
import pytest

from chalicelib.provisioning.dns_providers import CloudflareDns, Route53Dns, dns_visible
from chalicelib.provisioning.errors import ProviderUnavailable, ProvisioningFailed
from chalicelib.provisioning.ports import DnsProvider, DnsRecord
from infrastructure.local.dns_server import LocalDnsServer
from infrastructure.local.pebble import free_port
from infrastructure.local.providers.cloudflare import LocalCloudflare
from tests.integration.conftest import eventually
from tests.integration.provisioning.conftest import HOST, fresh_domain

TOKEN = "cf-local-token"
DKIM = "v=DKIM1; k=rsa; p=" + ("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" * 10)[:380]


@pytest.fixture(scope="module")
def cloudflare(route53: Any) -> Iterator[LocalCloudflare]:
    server = LocalCloudflare(route53, TOKEN, host=HOST)
    server.start()
    yield server
    server.stop()


@pytest.fixture(params=["route53", "cloudflare"])
def provider(request: Any, route53: Any, cloudflare: LocalCloudflare) -> DnsProvider:
    if request.param == "route53":
        return Route53Dns(route53)
    return CloudflareDns(cloudflare.url, TOKEN)


def _fresh(resolver: dns.resolver.Resolver, name: str, rtype: str, want: Callable) -> Any:
    """The answer once ``want(answer)`` holds (the DNS server caches for half a second)."""

    def look() -> Any:
        try:
            answer = resolver.resolve(name, rtype)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            answer = None
        return answer if want(answer) else None

    return eventually(look, attempts=50, pause=0.1)


def _gone(resolver: dns.resolver.Resolver, name: str, rtype: str) -> None:
    def look() -> bool:
        try:
            resolver.resolve(name, rtype)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return True
        return False

    eventually(look, attempts=50, pause=0.1)


def _values(route53: Any, zone: str, name: str, rtype: str) -> list[str]:
    """What Route 53 holds at (name, type): the truth both providers write to."""
    (hosted,) = route53.list_hosted_zones_by_name(DNSName=zone, MaxItems="1")["HostedZones"]
    assert hosted["Name"] == zone + "."
    sets = route53.list_resource_record_sets(HostedZoneId=hosted["Id"])["ResourceRecordSets"]
    return [
        r["Value"]
        for s in sets
        if s["Name"] == name + "." and s["Type"] == rtype
        for r in s["ResourceRecords"]
    ]


def test_upsert_twice_is_one_record(provider: DnsProvider, route53: Any, resolver: Any) -> None:
    zone = fresh_domain()
    record = DnsRecord(f"mail.{zone}", "A", "192.0.2.7")
    provider.upsert(zone, [record])
    provider.upsert(zone, [record])
    assert _values(route53, zone, f"mail.{zone}", "A") == ["192.0.2.7"]
    answer = _fresh(resolver, f"mail.{zone}", "A", bool)
    assert [r.address for r in answer] == ["192.0.2.7"]


def test_a_new_value_replaces_the_old(provider: DnsProvider, route53: Any, resolver: Any) -> None:
    zone = fresh_domain()
    provider.upsert(zone, [DnsRecord(f"mail.{zone}", "A", "192.0.2.7")])
    provider.upsert(zone, [DnsRecord(f"mail.{zone}", "A", "192.0.2.8")])
    assert _values(route53, zone, f"mail.{zone}", "A") == ["192.0.2.8"]
    answer = _fresh(resolver, f"mail.{zone}", "A", lambda a: a and a[0].address == "192.0.2.8")
    assert len(answer) == 1


def test_every_record_type_provisioning_publishes(
    provider: DnsProvider, resolver: Any, dns_server: LocalDnsServer
) -> None:
    zone = fresh_domain()
    records = [
        DnsRecord(zone, "MX", f"10 mail.{zone}"),
        DnsRecord(zone, "MX", f"20 backup.{zone}"),
        DnsRecord(zone, "TXT", "v=spf1 ip4:192.0.2.7 -all"),
        DnsRecord(f"dkim._domainkey.{zone}", "TXT", DKIM),
        DnsRecord(f"_dmarc.{zone}", "TXT", "v=DMARC1; p=none"),
        DnsRecord(f"t.{zone}", "CNAME", "track.penguinmails.test"),
    ]
    provider.upsert(zone, records)
    provider.upsert(zone, records)

    mx = _fresh(resolver, zone, "MX", bool)
    assert sorted((r.preference, r.exchange.to_text()) for r in mx) == [
        (10, f"mail.{zone}."),
        (20, f"backup.{zone}."),
    ]
    (dkim,) = _fresh(resolver, f"dkim._domainkey.{zone}", "TXT", bool)
    assert [len(s) for s in dkim.strings] == [255, len(DKIM) - 255]  # split, 255 bytes each
    assert b"".join(dkim.strings).decode() == DKIM
    visible = dns_visible(HOST, dns_server.port)
    assert visible(zone, "v=spf1 ip4:192.0.2.7 -all")
    assert visible(f"_dmarc.{zone}", "v=DMARC1; p=none")
    assert not visible(f"_dmarc.{zone}", "v=DMARC1; p=reject")
    cname = _fresh(resolver, f"t.{zone}", "CNAME", bool)
    assert [r.target.to_text() for r in cname] == ["track.penguinmails.test."]


def test_delete_twice_is_fine(provider: DnsProvider, route53: Any, resolver: Any) -> None:
    zone = fresh_domain()
    records = [
        DnsRecord(f"_acme-challenge.mail.{zone}", "TXT", "abc"),
        DnsRecord(f"mail.{zone}", "A", "192.0.2.7"),
    ]
    provider.upsert(zone, records)
    _fresh(resolver, f"mail.{zone}", "A", bool)
    provider.delete(zone, records)
    provider.delete(zone, records)
    assert _values(route53, zone, f"mail.{zone}", "A") == []
    assert _values(route53, zone, f"_acme-challenge.mail.{zone}", "TXT") == []
    _gone(resolver, f"mail.{zone}", "A")


def test_delete_removes_by_name_and_type_whatever_the_value(
    provider: DnsProvider, route53: Any
) -> None:
    zone = fresh_domain()
    provider.upsert(zone, [DnsRecord(f"_acme-challenge.{zone}", "TXT", "published")])
    provider.upsert(zone, [DnsRecord(f"keep.{zone}", "TXT", "kept")])
    provider.delete(zone, [DnsRecord(f"_acme-challenge.{zone}", "TXT", "another value")])
    assert _values(route53, zone, f"_acme-challenge.{zone}", "TXT") == []
    assert _values(route53, zone, f"keep.{zone}", "TXT") == ['"kept"']


def test_delete_in_a_missing_zone_is_fine(provider: DnsProvider) -> None:
    zone = fresh_domain()
    provider.delete(zone, [DnsRecord(f"mail.{zone}", "A", "192.0.2.7")])


def test_the_zone_is_created_once(provider: DnsProvider, route53: Any) -> None:
    zone = fresh_domain()
    provider.upsert(zone, [DnsRecord(f"a.{zone}", "A", "192.0.2.1")])
    provider.upsert(zone, [DnsRecord(f"b.{zone}", "A", "192.0.2.2")])
    zones = route53.list_hosted_zones_by_name(DNSName=zone)["HostedZones"]
    assert [z["Name"] for z in zones].count(zone + ".") == 1


# --- errors -------------------------------------------------------------------------------------


def test_cloudflare_with_a_wrong_token_is_a_permanent_failure(cloudflare: LocalCloudflare) -> None:
    zone = fresh_domain()
    with pytest.raises(ProvisioningFailed, match="Authentication error"):
        CloudflareDns(cloudflare.url, "wrong").upsert(zone, [DnsRecord(zone, "A", "192.0.2.1")])


def test_cloudflare_unreachable_is_unavailable() -> None:
    url = f"http://{HOST}:{free_port(HOST)}/client/v4"  # nothing listens there
    with pytest.raises(ProviderUnavailable):
        CloudflareDns(url, TOKEN, timeout=2).upsert("x.test", [DnsRecord("x.test", "A", "1.2.3.4")])


def test_route53_unreachable_is_unavailable() -> None:
    import boto3
    from botocore.config import Config

    port = free_port(HOST)  # nothing listens there
    client = boto3.client(
        "route53",
        endpoint_url=f"http://{HOST}:{port}",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}, connect_timeout=2),
    )
    with pytest.raises(ProviderUnavailable):
        Route53Dns(client).upsert("x.test", [DnsRecord("x.test", "A", "192.0.2.1")])


class Fault:
    def __init__(self, step: str) -> None:
        self.step = step

    def take(self, step: str) -> bool:
        return step == self.step


def test_a_publish_dns_fault_is_a_503_that_is_retried(route53: Any) -> None:
    faulty = LocalCloudflare(route53, TOKEN, host=HOST, faults=Fault("PublishDns"))
    faulty.start()
    try:
        zone = fresh_domain()
        with pytest.raises(ProviderUnavailable, match="503"):
            CloudflareDns(faulty.url, TOKEN).upsert(zone, [DnsRecord(zone, "A", "192.0.2.1")])
    finally:
        faulty.stop()
