"""DnsPythonLookup and domain verification against the local DNS server over loopback.

The records come from ``required_records`` and are published into a moto Route 53 zone the way
the product publishes them (``route53_value``); the local DNS server answers from that zone.
"""

from __future__ import annotations

import base64
import itertools
import socket
import time
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import dns.flags
import dns.message
import dns.query
import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from chalicelib.domains.dns import DnsPythonLookup
from chalicelib.domains.rules.dns_records import RequiredRecord, dmarc_policy, required_records
from chalicelib.domains.rules.verification import RecordCheck, check, verify
from infrastructure.local.dns_server import LocalDnsServer
from tests.integration.conftest import route53_at

HOST = "127.0.0.1"
RUA = "dmarc@reports.penguinmails.test"
PLATFORM_SPF = "v=spf1 ip4:198.51.100.0/24 -all"
TTL = 60
BIG_TXT = [f"chunk-{i:02d}-" + "z" * 150 for i in range(6)]  # > 512 bytes: truncated over UDP
_zone_numbers = itertools.count(1)


def _route53(endpoint: str) -> Any:
    return route53_at(endpoint)


@pytest.fixture(scope="module")
def route53(moto_endpoint: str) -> Any:
    client = _route53(moto_endpoint)
    platform = _create_zone(client, "penguinmails.test")
    _upsert(client, platform, "_spf.penguinmails.test", "TXT", [f'"{PLATFORM_SPF}"'])
    _upsert(client, platform, "track.penguinmails.test", "A", ["192.0.2.99"])
    return client


@pytest.fixture(scope="module")
def server(route53: Any, moto_endpoint: str) -> Iterator[LocalDnsServer]:
    dns_server = LocalDnsServer(lambda: _route53(moto_endpoint), HOST, 0, cache_seconds=0.2)
    dns_server.start()
    yield dns_server
    dns_server.stop()


@pytest.fixture
def lookup(server: LocalDnsServer) -> DnsPythonLookup:
    return DnsPythonLookup(HOST, server.port, timeout=5.0)


@pytest.fixture(scope="module")
def dkim_public_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode("ascii")


def _create_zone(client: Any, name: str) -> str:
    return client.create_hosted_zone(Name=name, CallerReference=name)["HostedZone"]["Id"]


def _upsert(client: Any, zone_id: str, name: str, rtype: str, values: list[str]) -> None:
    record = {"Name": name, "Type": rtype, "TTL": TTL}
    record["ResourceRecords"] = [{"Value": value} for value in values]
    change = {"Action": "UPSERT", "ResourceRecordSet": record}
    client.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [change]})


def _publish(client: Any, zone_id: str, records: list[RequiredRecord]) -> None:
    """One record set per (name, type), as Route 53 wants them."""
    sets: dict[tuple[str, str], list[str]] = defaultdict(list)
    for record in records:
        sets[(record.name, record.type)].append(record.to_public()["route53_value"])
    for (name, rtype), values in sets.items():
        _upsert(client, zone_id, name, rtype, values)


def _records(domain: str, key: str, age_days: int = 45) -> list[RequiredRecord]:
    return required_records(
        domain,
        "pm1",
        key,
        ["192.0.2.10", "2001:db8::10"],
        ["_spf.penguinmails.test"],
        dmarc_policy(age_days),
        RUA,
        f"mail.{domain}",
        f"bounces.{domain}",
        "track.penguinmails.test",
    )


@pytest.fixture
def domain(route53: Any, server: LocalDnsServer, dkim_public_key: str) -> tuple[str, str]:
    """A fresh zone with every required record published and served; (domain, zone id)."""
    name = f"acme{next(_zone_numbers)}.test"
    zone_id = _create_zone(route53, name)
    _publish(route53, zone_id, _records(name, dkim_public_key))
    served = DnsPythonLookup(HOST, server.port, timeout=5.0)
    _eventually(lambda: served.lookup(f"t.{name}", "CNAME").status == "ok")
    return name, zone_id


def _eventually(condition: Any, attempts: int = 100, pause: float = 0.1) -> Any:
    """Bounded polling: the server re-reads the zones only after its cache expires."""
    for _ in range(attempts):
        if result := condition():
            return result
        time.sleep(pause)
    pytest.fail("condition never held")


def _by_kind(checks: list[RecordCheck]) -> dict[tuple[str, str], RecordCheck]:
    return {(c.kind, c.type): c for c in checks}


def test_every_required_record_verifies_over_the_real_server(
    domain: tuple[str, str], lookup: DnsPythonLookup, dkim_public_key: str
) -> None:
    name, _ = domain
    status, checks = verify(_records(name, dkim_public_key), lookup)
    assert [(c.kind, c.type, c.status, c.reason) for c in checks if c.status != "verified"] == []
    assert status == "verified"
    assert len(checks) == 7


def test_the_dkim_key_travels_as_two_strings_and_comes_back_joined(
    domain: tuple[str, str], lookup: DnsPythonLookup, server: LocalDnsServer, dkim_public_key: str
) -> None:
    name, _ = domain
    expected = f"v=DKIM1; k=rsa; p={dkim_public_key}"
    query = dns.message.make_query(f"pm1._domainkey.{name}", "TXT")
    response = dns.query.udp(query, HOST, port=server.port, timeout=5)
    (rdata,) = response.answer[0]
    assert [len(s) for s in rdata.strings] == [255, len(expected) - 255]
    assert lookup.lookup(f"pm1._domainkey.{name}", "TXT").values == (expected,)


def test_a_truncated_udp_answer_is_fetched_again_over_tcp(
    domain: tuple[str, str], route53: Any, lookup: DnsPythonLookup, server: LocalDnsServer
) -> None:
    # given: a TXT set too big for a 512-byte UDP answer
    name, zone_id = domain
    _upsert(route53, zone_id, f"big.{name}", "TXT", [f'"{v}"' for v in BIG_TXT])
    query = dns.message.make_query(f"big.{name}", "TXT")  # no EDNS, like the resolver's queries
    udp = _eventually(lambda: _answered(dns.query.udp(query, HOST, port=server.port, timeout=5)))
    assert udp.flags & dns.flags.TC and not udp.answer
    # when
    found = lookup.lookup(f"big.{name}", "TXT")
    # then
    assert found.status == "ok"
    assert sorted(found.values) == sorted(BIG_TXT)


def _answered(response: dns.message.Message) -> dns.message.Message | None:
    return response if response.flags & dns.flags.TC or response.answer else None


def test_a_changed_dmarc_record_fails_with_what_was_found(
    domain: tuple[str, str], route53: Any, lookup: DnsPythonLookup, dkim_public_key: str
) -> None:
    # given: a verified domain whose DMARC record someone weakens
    name, zone_id = domain
    records = _records(name, dkim_public_key)
    assert verify(records, lookup)[0] == "verified"
    weakened = f"v=DMARC1; p=none; rua=mailto:{RUA}"
    _upsert(route53, zone_id, f"_dmarc.{name}", "TXT", [f'"{weakened}"'])
    # when
    dmarc = next(r for r in records if r.kind == "dmarc")
    _eventually(lambda: check(dmarc, lookup).status != "verified")
    status, checks = verify(records, lookup)
    # then
    assert status == "failed"
    failed = [c for c in checks if c.status != "verified"]
    assert [(c.kind, c.name, c.status) for c in failed] == [("dmarc", f"_dmarc.{name}", "failed")]
    assert failed[0].found == [weakened]
    assert failed[0].expected == f"v=DMARC1; p=quarantine; pct=10; rua=mailto:{RUA}"
    assert failed[0].reason == "DMARC policy p=none is weaker than ours (p=quarantine; pct=10)"


def test_nxdomain_and_no_answer_are_told_apart(
    domain: tuple[str, str], lookup: DnsPythonLookup
) -> None:
    name, _ = domain
    assert lookup.lookup(f"missing.{name}", "TXT").status == "nxdomain"
    assert lookup.lookup(f"_domainkey.{name}", "TXT").status == "noanswer"  # empty non-terminal
    assert lookup.lookup(name, "CNAME").status == "noanswer"


def test_a_name_with_txt_but_no_cname(
    domain: tuple[str, str], route53: Any, lookup: DnsPythonLookup, dkim_public_key: str
) -> None:
    # given: the tracking name holds a TXT record instead of the CNAME
    name, zone_id = domain
    route53.change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={"Changes": [_delete_tracking_cname(name)]},
    )
    _upsert(route53, zone_id, f"t.{name}", "TXT", ['"not a cname"'])
    _eventually(lambda: lookup.lookup(f"t.{name}", "TXT").status == "ok")
    # then
    assert lookup.lookup(f"t.{name}", "CNAME").status == "noanswer"
    tracking = next(r for r in _records(name, dkim_public_key) if r.kind == "tracking")
    result = check(tracking, lookup)
    assert (result.status, result.reason) == ("failed", f"no CNAME record at t.{name}")


def _delete_tracking_cname(name: str) -> dict[str, Any]:
    record = {
        "Name": f"t.{name}",
        "Type": "CNAME",
        "TTL": TTL,  # a DELETE must match the published set exactly
        "ResourceRecords": [{"Value": "track.penguinmails.test."}],
    }
    return {"Action": "DELETE", "ResourceRecordSet": record}


def test_mx_and_cname_values_are_canonical(
    domain: tuple[str, str], lookup: DnsPythonLookup
) -> None:
    name, _ = domain
    assert lookup.lookup(name, "MX").values == (f"10 mail.{name}",)
    assert lookup.lookup(f"t.{name}", "CNAME").values == ("track.penguinmails.test",)


def test_a_name_outside_the_servers_zones_is_an_error(lookup: DnsPythonLookup) -> None:
    found = lookup.lookup("www.elsewhere.invalid", "A")
    assert found.status == "error"
    assert "REFUSED" in found.detail


def test_servfail_is_reported() -> None:
    class BrokenRoute53:
        def get_paginator(self, name: str) -> Any:
            raise ClientError({"Error": {"Code": "Throttling", "Message": "no"}}, name)

    broken = LocalDnsServer(BrokenRoute53, HOST, 0)
    broken.start()
    try:
        found = DnsPythonLookup(HOST, broken.port, timeout=5.0).lookup("acme.test", "TXT")
    finally:
        broken.stop()
    assert found.status == "servfail"


def test_a_silent_server_times_out() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind((HOST, 0))
        found = DnsPythonLookup(HOST, silent.getsockname()[1], timeout=0.5).lookup("a.test", "TXT")
    assert found.status == "timeout"


def test_a_lookup_never_raises(lookup: DnsPythonLookup) -> None:
    assert lookup.lookup("acme.test", "NOT-A-TYPE").status == "error"
    assert lookup.lookup("a" * 64 + ".test", "TXT").status == "error"
