"""The DNSBL query names and answer codes (no DNS)."""

from chalicelib.health.dnsbl import DnsblChecker, query_name, verdict


def test_query_names():
    assert query_name("192.0.2.10", "zen.test") == "10.2.0.192.zen.test"
    assert query_name("2001:db8::1", "zen.test").startswith("1.0.0.0.")
    assert query_name("2001:db8::1", "zen.test").endswith(".8.b.d.0.1.0.0.2.zen.test")
    assert query_name("Spammy.Test.", "dbl.test") == "spammy.test.dbl.test"


def test_answer_codes():
    assert verdict(["127.0.0.2"]) == "listed"
    assert verdict(["127.255.255.254"]) == "unknown"
    assert verdict(["192.0.2.1"]) == "not_listed"


def test_no_zones_checks_nothing():
    assert DnsblChecker([" ", ""], None).check(["192.0.2.10"], ["a.test"]) == {}
