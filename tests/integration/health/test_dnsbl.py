"""The DNSBL checker against the local DNS server over loopback: a test zone
``dnsbl.penguinmails.test`` in moto's Route 53 lists one address and one domain."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.health.dnsbl import DnsblChecker
from infrastructure.local.dns_server import LocalDnsServer
from tests.integration.conftest import route53_at

HOST = "127.0.0.1"
ZONE = "dnsbl.penguinmails.test"


def _upsert(client: Any, zone_id: str, name: str, value: str) -> None:
    record = {"Name": name, "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": value}]}
    change = {"Action": "UPSERT", "ResourceRecordSet": record}
    client.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [change]})


@pytest.fixture(scope="module")
def server(moto_endpoint: str) -> Iterator[LocalDnsServer]:
    client = route53_at(moto_endpoint)
    zone = client.create_hosted_zone(Name=ZONE, CallerReference=ZONE)["HostedZone"]["Id"]
    _upsert(client, zone, f"10.2.0.192.{ZONE}", "127.0.0.2")  # 192.0.2.10 is listed
    _upsert(client, zone, f"spammy.test.{ZONE}", "127.0.1.2")
    _upsert(client, zone, f"11.2.0.192.{ZONE}", "127.255.255.254")  # the list refused us
    dns_server = LocalDnsServer(lambda: route53_at(moto_endpoint), HOST, 0, cache_seconds=0.2)
    dns_server.start()
    yield dns_server
    dns_server.stop()


def test_a_listed_ip_and_domain_are_listed_and_the_rest_are_not(server: LocalDnsServer) -> None:
    checker = DnsblChecker([ZONE], HOST, server.port, timeout=5.0)

    found = checker.check(["192.0.2.10", "192.0.2.20"], ["spammy.test", "clean.test"])

    assert found == {
        f"192.0.2.10@{ZONE}": "listed",
        f"192.0.2.20@{ZONE}": "not_listed",
        f"spammy.test@{ZONE}": "listed",
        f"clean.test@{ZONE}": "not_listed",
    }


def test_a_refusal_code_is_unknown_not_a_listing(server: LocalDnsServer) -> None:
    checker = DnsblChecker([ZONE], HOST, server.port, timeout=5.0)

    assert checker.check(["192.0.2.11"], []) == {f"192.0.2.11@{ZONE}": "unknown"}


def test_a_list_that_does_not_answer_is_unknown() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:  # bound, never answers
        silent.bind((HOST, 0))
        checker = DnsblChecker([ZONE], HOST, silent.getsockname()[1], timeout=0.3)

        assert checker.check(["192.0.2.10"], []) == {f"192.0.2.10@{ZONE}": "unknown"}
