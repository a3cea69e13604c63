"""Integration tests for the local DNS server answering from moto's Route 53 zones."""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Iterator
from typing import Any

import boto3
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import dns.resolver
import pytest
from botocore.exceptions import ClientError

from infrastructure.local.dns_server import LocalDnsServer
from tests.integration.conftest import route53_at

HOST = "127.0.0.1"
DKIM_VALUE = "v=DKIM1; k=rsa; p=" + ("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" * 9)[:382]
SPF_VALUE = "v=spf1 include:penguinmails.test -all"
BIG_TXT = [f"filler-{i:02d}-" + "x" * 90 for i in range(8)]


def _quoted(value: str) -> str:
    """Route 53 style: long TXT values are split into quoted 255-byte character-strings."""
    return " ".join(f'"{value[i : i + 255]}"' for i in range(0, len(value), 255))


def _upsert(client: Any, zone_id: str, name: str, rtype: str, values: list[str]) -> None:
    record = {"Name": name, "Type": rtype, "TTL": 60, "ResourceRecords": []}
    record["ResourceRecords"] = [{"Value": value} for value in values]
    change = {"Action": "UPSERT", "ResourceRecordSet": record}
    client.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [change]})


def _create_zone(client: Any, name: str) -> str:
    return client.create_hosted_zone(Name=name, CallerReference=name)["HostedZone"]["Id"]


@pytest.fixture(scope="module")
def route53(moto_endpoint: str) -> Any:
    return route53_at(moto_endpoint)


@pytest.fixture(scope="module")
def zone_id(route53: Any) -> str:
    zone = _create_zone(route53, "example.test.")
    _upsert(route53, zone, "example.test.", "A", ["192.0.2.10"])
    _upsert(route53, zone, "example.test.", "MX", ["10 mail.example.test."])
    _upsert(route53, zone, "example.test.", "TXT", [f'"{SPF_VALUE}"'])
    _upsert(route53, zone, "pm._domainkey.example.test.", "TXT", [_quoted(DKIM_VALUE)])
    _upsert(route53, zone, "_dmarc.example.test.", "TXT", ['"v=DMARC1; p=none"'])
    _upsert(route53, zone, "t.example.test.", "CNAME", ["track.penguinmails.test."])
    _upsert(route53, zone, "only-txt.example.test.", "TXT", ['"hello"'])
    _upsert(route53, zone, "big.example.test.", "TXT", [f'"{v}"' for v in BIG_TXT])
    _upsert(route53, zone, "*.w.example.test.", "A", ["192.0.2.50"])
    tracking = _create_zone(route53, "penguinmails.test.")
    _upsert(route53, tracking, "track.penguinmails.test.", "A", ["192.0.2.99"])
    return zone


@pytest.fixture(scope="module")
def server(route53: Any, zone_id: str, moto_endpoint: str) -> Iterator[LocalDnsServer]:
    dns_server = LocalDnsServer(
        lambda: boto3.client("route53", endpoint_url=moto_endpoint, region_name="us-east-1"),
        port=0,
        cache_seconds=0.5,
    )
    dns_server.start()
    yield dns_server
    dns_server.stop()


@pytest.fixture
def resolver(server: LocalDnsServer) -> dns.resolver.Resolver:
    res = dns.resolver.Resolver(configure=False)
    res.nameservers = [HOST]
    res.port = server.port
    res.lifetime = 5.0
    return res


def _udp(server: LocalDnsServer, name: str, rtype: str) -> dns.message.Message:
    return dns.query.udp(dns.message.make_query(name, rtype), HOST, port=server.port, timeout=5)


def _txt_strings(answer: Any) -> list[str]:
    return sorted(b"".join(rdata.strings).decode() for rdata in answer)


def test_listens_on_an_ephemeral_port(server: LocalDnsServer) -> None:
    assert server.port != 0
    assert server.status()["status"] == "ok"


def test_a_record(resolver: dns.resolver.Resolver) -> None:
    answer = resolver.resolve("example.test", "A")
    assert [r.address for r in answer] == ["192.0.2.10"]
    assert answer.rrset.ttl == 60


def test_names_are_case_insensitive(resolver: dns.resolver.Resolver) -> None:
    assert [r.address for r in resolver.resolve("EXAMPLE.Test.", "A")] == ["192.0.2.10"]


def test_mx_record(resolver: dns.resolver.Resolver) -> None:
    answer = resolver.resolve("example.test", "MX")
    assert [(r.preference, r.exchange.to_text()) for r in answer] == [(10, "mail.example.test.")]


def test_answers_are_authoritative(server: LocalDnsServer) -> None:
    response = _udp(server, "_dmarc.example.test", "TXT")
    assert response.flags & dns.flags.AA
    assert _txt_strings(response.answer[0]) == ["v=DMARC1; p=none"]


def test_spf_txt_over_udp(resolver: dns.resolver.Resolver) -> None:
    assert _txt_strings(resolver.resolve("example.test", "TXT")) == [SPF_VALUE]


def test_long_dkim_txt_over_udp_and_tcp(server: LocalDnsServer) -> None:
    query = dns.message.make_query("pm._domainkey.example.test", "TXT")
    for response in (
        dns.query.udp(query, HOST, port=server.port, timeout=5),
        dns.query.tcp(query, HOST, port=server.port, timeout=5),
    ):
        (rdata,) = response.answer[0]
        assert len(rdata.strings) == 2
        assert b"".join(rdata.strings).decode() == DKIM_VALUE


def test_several_queries_on_one_tcp_connection(server: LocalDnsServer) -> None:
    with socket.create_connection((HOST, server.port), timeout=5) as sock:
        for name in ("example.test", "_dmarc.example.test", "nope.example.test"):
            query = dns.message.make_query(name, "TXT")
            response = dns.query.tcp(query, HOST, port=server.port, timeout=5, sock=sock)
            assert response.id == query.id


def test_cname_is_followed_across_our_zones(resolver: dns.resolver.Resolver) -> None:
    answer = resolver.resolve("t.example.test", "A")
    assert answer.canonical_name.to_text() == "track.penguinmails.test."
    assert [r.address for r in answer] == ["192.0.2.99"]
    cname = resolver.resolve("t.example.test", "CNAME")
    assert [r.target.to_text() for r in cname] == ["track.penguinmails.test."]


def test_existing_name_without_the_type_is_no_answer(
    resolver: dns.resolver.Resolver, server: LocalDnsServer
) -> None:
    with pytest.raises(dns.resolver.NoAnswer):
        resolver.resolve("only-txt.example.test", "CNAME")
    response = _udp(server, "only-txt.example.test", "CNAME")
    assert response.rcode() == dns.rcode.NOERROR
    assert response.authority[0].rdtype == dns.rdatatype.SOA


def test_empty_non_terminal_is_no_answer(resolver: dns.resolver.Resolver) -> None:
    with pytest.raises(dns.resolver.NoAnswer):
        resolver.resolve("_domainkey.example.test", "TXT")


def test_wildcard_records_are_synthesised(resolver: dns.resolver.Resolver) -> None:
    for name in ("anything.w.example.test.", "a.b.w.example.test."):
        answer = resolver.resolve(name, "A")
        assert answer.rrset.name.to_text() == name
        assert [r.address for r in answer] == ["192.0.2.50"]
    with pytest.raises(dns.resolver.NoAnswer):
        resolver.resolve("w.example.test", "A")


def test_missing_name_is_nxdomain(resolver: dns.resolver.Resolver, server: LocalDnsServer) -> None:
    with pytest.raises(dns.resolver.NXDOMAIN):
        resolver.resolve("missing.example.test", "A")
    response = _udp(server, "missing.example.test", "A")
    assert response.authority[0].rdtype == dns.rdatatype.SOA


def test_name_outside_our_zones_is_refused(server: LocalDnsServer) -> None:
    assert _udp(server, "www.example.com", "A").rcode() == dns.rcode.REFUSED


def test_record_added_after_start_is_served(
    route53: Any, zone_id: str, resolver: dns.resolver.Resolver
) -> None:
    resolver.resolve("example.test", "A")  # make sure the zones are cached first
    _upsert(route53, zone_id, "late.example.test.", "A", ["192.0.2.77"])
    for _ in range(30):
        try:
            answer = resolver.resolve("late.example.test", "A")
            break
        except dns.resolver.NXDOMAIN:
            time.sleep(0.2)
    else:
        pytest.fail("late.example.test was never served")
    assert [r.address for r in answer] == ["192.0.2.77"]


@pytest.fixture
def long_cache(moto_endpoint: str) -> Iterator[LocalDnsServer]:
    """A server whose cache never expires during a test: only a miss can make it reload."""
    dns_server = LocalDnsServer(
        lambda: boto3.client("route53", endpoint_url=moto_endpoint, region_name="us-east-1"),
        port=0,
        cache_seconds=3600,
    )
    dns_server.start()
    yield dns_server
    dns_server.stop()


def test_a_zone_created_after_the_cache_was_filled_answers_at_once(
    route53: Any, zone_id: str, long_cache: LocalDnsServer
) -> None:
    assert _udp(long_cache, "example.test", "A").answer  # the zones are cached now
    fresh = _create_zone(route53, "fresh-zone.test.")
    _upsert(route53, fresh, "fresh-zone.test.", "TXT", ['"v=spf1 -all"'])
    response = _udp(long_cache, "fresh-zone.test", "TXT")
    assert response.rcode() == dns.rcode.NOERROR
    assert _txt_strings(response.answer[0]) == ["v=spf1 -all"]


def test_a_record_added_after_the_cache_was_filled_answers_at_once(
    route53: Any, zone_id: str, long_cache: LocalDnsServer
) -> None:
    assert _udp(long_cache, "example.test", "A").answer
    _upsert(route53, zone_id, "brand-new.example.test.", "A", ["192.0.2.78"])
    response = _udp(long_cache, "brand-new.example.test", "A")
    assert [r.address for r in response.answer[0]] == ["192.0.2.78"]


def test_answers_come_from_the_cache_until_something_misses(
    zone_id: str, long_cache: LocalDnsServer
) -> None:
    _udp(long_cache, "example.test", "A")
    loads = long_cache.loads
    assert _udp(long_cache, "example.test", "MX").answer
    assert long_cache.loads == loads  # a hit does not reload


def test_a_miss_reads_only_the_zone_list_and_its_own_zone(
    route53: Any, zone_id: str, long_cache: LocalDnsServer
) -> None:
    """Many zones in the emulator (a long test run, a laptop with many tenants) must not make
    a miss slow: it rereads the zone list and the one zone the name falls in, not every zone."""
    for n in range(40):
        _create_zone(route53, f"crowd-{n}.test.")
    calls: list[str] = []
    real = long_cache._factory

    class Counting:
        def __init__(self) -> None:
            self._client = real()

        def get_paginator(self, operation: str) -> Any:
            calls.append(operation)
            return self._client.get_paginator(operation)

    long_cache._factory, long_cache._client = Counting, None
    assert _udp(long_cache, "example.test", "A").answer
    calls.clear()
    assert _udp(long_cache, "nothing-here.example.test", "A").rcode() == dns.rcode.NXDOMAIN
    assert calls == ["list_hosted_zones", "list_resource_record_sets"]


def test_large_udp_answer_is_truncated_and_tcp_fallback_gets_it(server: LocalDnsServer) -> None:
    query = dns.message.make_query("big.example.test", "TXT")
    truncated = dns.query.udp(query, HOST, port=server.port, timeout=5, ignore_trailing=True)
    assert truncated.flags & dns.flags.TC
    assert not truncated.answer
    response, used_tcp = dns.query.udp_with_fallback(query, HOST, port=server.port, timeout=5)
    assert used_tcp
    assert _txt_strings(response.answer[0]) == sorted(BIG_TXT)


def test_edns_payload_size_allows_large_udp_answers(server: LocalDnsServer) -> None:
    query = dns.message.make_query("big.example.test", "TXT", use_edns=0, payload=4096)
    response = dns.query.udp(query, HOST, port=server.port, timeout=5)
    assert not response.flags & dns.flags.TC
    assert _txt_strings(response.answer[0]) == sorted(BIG_TXT)


def test_garbage_does_not_kill_the_server(
    server: LocalDnsServer, resolver: dns.resolver.Resolver
) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for junk in (b"", b"\x00", b"\xff" * 40, bytes(range(256))):
            sock.sendto(junk, (HOST, server.port))
    with socket.create_connection((HOST, server.port), timeout=5) as sock:
        sock.sendall(struct.pack("!H", 5) + b"\x01\x02\x03\x04\x05")
        assert sock.recv(10) == b""  # the server closes the connection
    assert [r.address for r in resolver.resolve("example.test", "A")] == ["192.0.2.10"]


def test_route53_error_answers_servfail() -> None:
    class BrokenRoute53:
        def get_paginator(self, name: str) -> Any:
            raise ClientError({"Error": {"Code": "Throttling", "Message": "no"}}, name)

    broken = LocalDnsServer(BrokenRoute53, port=0)
    broken.start()
    try:
        assert _udp(broken, "example.test", "A").rcode() == dns.rcode.SERVFAIL
    finally:
        broken.stop()


def test_status_counts_zones_and_queries(server: LocalDnsServer) -> None:
    _udp(server, "example.test", "A")
    status = server.status()
    assert status["host"] == HOST and status["port"] == server.port
    assert status["zones"] >= 2  # moto backends are shared by every server in the process
    assert status["queries"] >= 1


def test_stop_closes_the_port(moto_endpoint: str) -> None:
    dns_server = LocalDnsServer(
        lambda: boto3.client("route53", endpoint_url=moto_endpoint, region_name="us-east-1"),
        port=0,
    )
    dns_server.start()
    port = dns_server.port
    assert _udp(dns_server, "example.test", "A").rcode() == dns.rcode.NOERROR
    dns_server.stop()
    dns_server.stop()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((HOST, port), timeout=5).close()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((HOST, port))  # would fail with EADDRINUSE if UDP were still bound


def test_the_platform_process_resolves_names_through_the_local_server(
    server: LocalDnsServer,
) -> None:
    """``resolver.install``: what the local DNS server knows resolves to its A records (as
    a provisioned server's ``mail.<domain>`` must, for the send worker and the mailbox
    test); IP literals and names it does not know still go to the system resolver."""
    from infrastructure.local import resolver

    resolver.install(HOST, server.port)
    try:
        found = socket.getaddrinfo("example.test", 587, type=socket.SOCK_STREAM)
        assert {info[4] for info in found} == {("192.0.2.10", 587)}
        assert socket.getaddrinfo("127.0.0.1", 25)[0][4] == ("127.0.0.1", 25)
        with pytest.raises(socket.gaierror):
            socket.getaddrinfo("missing.example.test", 25)
    finally:
        resolver.uninstall()
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("example.test", 587)
