"""Verdicts on a domain's published DNS, against an in-memory resolver."""

from __future__ import annotations

import pytest

from chalicelib.domains.rules.dns_records import RequiredRecord, required_records
from chalicelib.domains.rules.verification import Lookup, RecordCheck, check, verify
from tests.fakes.dns import FakeDns

KEY = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" + "B" * 348 + "IDAQAB"
SPF = "v=spf1 ip4:192.0.2.10 include:_spf.penguinmails.test ~all"
DMARC = "v=DMARC1; p=quarantine; pct=10; rua=mailto:dmarc@penguinmails.test"


def _records(policy: str = "v=DMARC1; p=quarantine; pct=10") -> list[RequiredRecord]:
    return required_records(
        "example.com",
        "pm1",
        KEY,
        ["192.0.2.10"],
        ["_spf.penguinmails.test"],
        policy,
        "dmarc@penguinmails.test",
        "mail.example.com",
        "bounces.example.com",
        "track.penguinmails.test",
    )


def _record(kind: str, rtype: str = "TXT") -> RequiredRecord:
    (record,) = [r for r in _records() if r.kind == kind and r.type == rtype]
    return record


def _published() -> FakeDns:
    dns = FakeDns()
    dns.publish("example.com", "TXT", SPF, "google-site-verification=abc")
    dns.publish("pm1._domainkey.example.com", "TXT", f"v=DKIM1; k=rsa; p={KEY}")
    dns.publish("_dmarc.example.com", "TXT", DMARC)
    dns.publish("example.com", "MX", "10 mail.example.com")
    dns.publish("bounces.example.com", "MX", "10 mail.example.com")
    dns.publish("bounces.example.com", "TXT", SPF)
    dns.publish("t.example.com", "CNAME", "track.penguinmails.test")
    dns.publish("_spf.penguinmails.test", "TXT", "v=spf1 ip4:198.51.100.0/24 -all")
    return dns


def _checked(dns: FakeDns, kind: str, rtype: str = "TXT") -> RecordCheck:
    return check(_record(kind, rtype), dns)


def test_everything_published_is_verified():
    status, checks = verify(_records(), _published())
    assert status == "verified"
    assert {c.status for c in checks} == {"verified"}
    assert all(c.reason == "" for c in checks)


def test_verify_asks_each_name_once():
    dns = _published()
    verify(_records(), dns)
    assert len(dns.asked) == len(set(dns.asked))


def test_to_public_shape():
    public = _checked(_published(), "spf").to_public()
    assert public == {
        "kind": "spf",
        "name": "example.com",
        "type": "TXT",
        "status": "verified",
        "reason": "",
        "expected": _record("spf").value,
        "found": [SPF, "google-site-verification=abc"],
    }


# --- missing and lookup failures ---------------------------------------------------------


def test_missing_name_fails_with_the_name():
    dns = _published()
    del dns.answers[("_dmarc.example.com", "TXT")]
    result = _checked(dns, "dmarc")
    assert (result.status, result.reason) == ("failed", "no TXT record at _dmarc.example.com")
    assert result.found == []


def test_name_without_the_type_fails():
    dns = _published()
    dns.set("t.example.com", "CNAME", Lookup("noanswer", ()))
    result = _checked(dns, "tracking", "CNAME")
    assert (result.status, result.reason) == ("failed", "no CNAME record at t.example.com")


@pytest.mark.parametrize(
    ("lookup", "reason"),
    [
        (Lookup("timeout", (), "5 s"), "lookup timed out"),
        (Lookup("servfail", ()), "SERVFAIL from the resolver"),
        (Lookup("error", (), "REFUSED"), "lookup failed: REFUSED"),
    ],
)
def test_lookup_failures_are_errors(lookup, reason):
    dns = _published()
    dns.set("pm1._domainkey.example.com", "TXT", lookup)
    result = _checked(dns, "dkim")
    assert (result.status, result.reason) == ("error", reason)


def test_an_error_makes_the_domain_error_unless_something_failed():
    dns = _published()
    dns.set("_dmarc.example.com", "TXT", Lookup("timeout", ()))
    assert verify(_records(), dns)[0] == "error"
    dns.set("pm1._domainkey.example.com", "TXT", Lookup("nxdomain", ()))
    assert verify(_records(), dns)[0] == "failed"


def test_records_that_do_not_verify_do_not_decide():
    dns = _published()
    del dns.answers[("t.example.com", "CNAME")]
    dns.set("example.com", "MX", Lookup("servfail", ()))
    status, checks = verify(_records(), dns)
    assert status == "verified"
    assert {c.kind: c.status for c in checks if c.type != "TXT"} == {
        "mx": "error",
        "return_path": "verified",
        "tracking": "failed",
    }


# --- SPF ---------------------------------------------------------------------------------


def test_spf_extra_mechanisms_and_hard_fail_are_fine():
    dns = _published()
    dns.publish(
        "example.com",
        "TXT",
        "v=spf1 a mx ip4:192.0.2.0/28 ip4:203.0.113.5 +include:_spf.penguinmails.test -all",
    )
    assert _checked(dns, "spf").status == "verified"


def test_spf_compares_mechanisms_not_text():
    dns = _published()
    dns.publish(
        "example.com", "TXT", "V=SPF1   include:_SPF.penguinmails.test.  ip4:192.0.2.10 ?all"
    )
    assert _checked(dns, "spf").status == "verified"


def test_spf_missing_an_ip_and_an_include():
    dns = _published()
    dns.publish("example.com", "TXT", "v=spf1 ip4:192.0.2.11 ~all")
    result = _checked(dns, "spf")
    assert result.status == "failed"
    assert result.reason == "SPF does not authorise ip4:192.0.2.10, include:_spf.penguinmails.test"
    assert result.expected == SPF
    assert result.found == ["v=spf1 ip4:192.0.2.11 ~all"]


def test_spf_mechanisms_after_all_or_not_passing_do_not_count():
    dns = _published()
    dns.publish("example.com", "TXT", "v=spf1 -ip4:192.0.2.10 ~all include:_spf.penguinmails.test")
    result = _checked(dns, "spf")
    assert result.reason == "SPF does not authorise ip4:192.0.2.10, include:_spf.penguinmails.test"


def test_spf_plus_all_fails():
    dns = _published()
    dns.publish("example.com", "TXT", f"{SPF.removesuffix(' ~all')} +all")
    assert "+all" in _checked(dns, "spf").reason


def test_spf_ipv6_authorised_by_a_network():
    records = required_records(
        "example.com", "pm1", KEY, ["2001:db8::10"], [], "v=DMARC1; p=none",
        "d@penguinmails.test", "mail.example.com", "rp", "track.penguinmails.test",
    )  # fmt: skip
    dns = FakeDns()
    dns.publish("example.com", "TXT", "v=spf1 ip6:2001:db8::/64 -all")
    assert check(records[0], dns).status == "verified"


def test_several_spf_records_fail():
    dns = _published()
    dns.publish("example.com", "TXT", SPF, "v=spf1 ip4:192.0.2.10 -all", "other")
    result = _checked(dns, "spf")
    assert (result.status, result.reason) == (
        "failed",
        "2 SPF records; there must be exactly one",
    )


def test_txt_without_spf_fails():
    dns = _published()
    dns.publish("example.com", "TXT", "google-site-verification=abc")
    assert _checked(dns, "spf").reason == "no SPF record at example.com"


def test_spf_lookups_are_counted_through_nested_includes_and_redirect():
    # given: includes two levels deep, one of which redirects
    dns = _published()
    dns.publish("example.com", "TXT", f"v=spf1 a mx {SPF.removeprefix('v=spf1 ')}")
    dns.publish("_spf.penguinmails.test", "TXT", "v=spf1 include:a.test include:b.test -all")
    dns.publish("a.test", "TXT", "v=spf1 exists:%{i}.x.test ptr redirect=r.test")
    dns.publish("r.test", "TXT", "v=spf1 mx:m.test a:n.test ~all")
    dns.publish("b.test", "TXT", "v=spf1 a -all")
    # when
    result = _checked(dns, "spf")
    # then: top a, mx, include (3); _spf: include, include (2); a.test: exists, ptr,
    #       redirect (3); r.test: mx, a (2); b.test: a (1) = 11
    assert (result.status, result.reason) == (
        "failed",
        "SPF needs 11 DNS lookups; the limit is 10",
    )


def test_spf_at_the_limit_passes():
    dns = _published()
    dns.publish("_spf.penguinmails.test", "TXT", "v=spf1 " + " ".join(["a"] * 9) + " -all")
    assert _checked(dns, "spf").status == "verified"
    dns.publish("_spf.penguinmails.test", "TXT", "v=spf1 " + " ".join(["a"] * 10) + " -all")
    assert _checked(dns, "spf").reason == "SPF needs 11 DNS lookups; the limit is 10"


def test_redirect_is_ignored_when_all_is_present():
    dns = _published()
    dns.publish("_spf.penguinmails.test", "TXT", "v=spf1 ip4:1.2.3.4 -all redirect=nowhere.test")
    assert _checked(dns, "spf").status == "verified"


def test_a_shared_include_is_fetched_once_but_counted_each_time():
    dns = _published()
    dns.publish("_spf.penguinmails.test", "TXT", "v=spf1 include:s.test include:s.test -all")
    dns.publish("s.test", "TXT", "v=spf1 a a a -all")
    assert _checked(dns, "spf").status == "verified"  # 1 + 2 x (1 + 3) = 9
    assert dns.asked.count(("s.test", "TXT")) == 1


def test_an_include_loop_fails_without_recursing_forever():
    dns = _published()
    dns.publish("_spf.penguinmails.test", "TXT", "v=spf1 include:loop-a.test -all")
    dns.publish("loop-a.test", "TXT", "v=spf1 redirect=loop-b.test")
    dns.publish("loop-b.test", "TXT", "v=spf1 include:LOOP-A.test. -all")
    result = _checked(dns, "spf")
    assert result.status == "failed"
    assert result.reason == (
        "SPF include loop: example.com → _spf.penguinmails.test → loop-a.test → loop-b.test"
        " → loop-a.test"
    )


def test_a_self_include_is_a_loop():
    dns = _published()
    dns.publish("example.com", "TXT", SPF.replace("~all", "include:example.com ~all"))
    assert _checked(dns, "spf").reason.startswith("SPF include loop: example.com")


def test_an_include_without_spf_fails():
    dns = _published()
    del dns.answers[("_spf.penguinmails.test", "TXT")]
    result = _checked(dns, "spf")
    assert result.reason == "SPF include _spf.penguinmails.test has no SPF record"


def test_an_include_that_times_out_is_an_error():
    dns = _published()
    dns.set("_spf.penguinmails.test", "TXT", Lookup("timeout", ()))
    result = _checked(dns, "spf")
    assert result.status == "error"
    assert result.reason == "lookup timed out for SPF include _spf.penguinmails.test"


def test_the_return_path_spf_is_checked_like_spf():
    dns = _published()
    dns.publish("bounces.example.com", "TXT", "v=spf1 -all")
    result = _checked(dns, "return_path", "TXT")
    assert result.status == "failed"
    assert result.reason.startswith("SPF does not authorise ip4:192.0.2.10")


# --- DKIM --------------------------------------------------------------------------------


def test_dkim_key_compared_without_whitespace_or_tag_order():
    dns = _published()
    spaced = " ".join(KEY[i : i + 60] for i in range(0, len(KEY), 60))
    dns.publish("pm1._domainkey.example.com", "TXT", f"k=rsa;p={spaced} ;v=DKIM1;t=s")
    assert _checked(dns, "dkim").status == "verified"


def test_dkim_key_mismatch():
    dns = _published()
    other = f"v=DKIM1; k=rsa; p={KEY[:-8]}QUIDAQAB"
    dns.publish("pm1._domainkey.example.com", "TXT", other)
    result = _checked(dns, "dkim")
    assert (result.status, result.reason) == ("failed", "DKIM key differs from ours")
    assert result.expected == f"v=DKIM1; k=rsa; p={KEY}"
    assert result.found == [other]


def test_dkim_revoked_key():
    dns = _published()
    dns.publish("pm1._domainkey.example.com", "TXT", "v=DKIM1; p=")
    assert _checked(dns, "dkim").reason == "DKIM key revoked (empty p=)"


def test_dkim_without_a_key_tag():
    dns = _published()
    dns.publish("pm1._domainkey.example.com", "TXT", "hello")
    assert _checked(dns, "dkim").reason == "no DKIM key (p=) at pm1._domainkey.example.com"


def test_dkim_key_type_must_match():
    dns = _published()
    dns.publish("pm1._domainkey.example.com", "TXT", f"v=DKIM1; k=ed25519; p={KEY}")
    assert _checked(dns, "dkim").reason == "DKIM key type is ed25519; ours is rsa"


# --- DMARC -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "published",
    [
        DMARC,
        "v=DMARC1;p=quarantine;pct=50;rua=mailto:x@y.test,mailto:DMARC@penguinmails.test!10m",
        "v=DMARC1; p=reject; rua=mailto:dmarc@penguinmails.test",
        "v=DMARC1; p=reject; pct=5; rua=mailto:dmarc@penguinmails.test",
    ],
)
def test_dmarc_as_strict_or_stricter_is_verified(published):
    dns = _published()
    dns.publish("_dmarc.example.com", "TXT", published)
    assert _checked(dns, "dmarc").status == "verified"


@pytest.mark.parametrize(
    ("published", "reason"),
    [
        (
            "v=DMARC1; p=none; rua=mailto:dmarc@penguinmails.test",
            "DMARC policy p=none is weaker than ours (p=quarantine; pct=10)",
        ),
        (
            "v=DMARC1; p=quarantine; pct=5; rua=mailto:dmarc@penguinmails.test",
            "DMARC policy p=quarantine; pct=5 is weaker than ours (p=quarantine; pct=10)",
        ),
        (
            "v=DMARC1; p=quarantine",
            "DMARC rua does not include mailto:dmarc@penguinmails.test",
        ),
    ],
)
def test_dmarc_weaker_or_unreported_fails(published, reason):
    dns = _published()
    dns.publish("_dmarc.example.com", "TXT", published)
    result = _checked(dns, "dmarc")
    assert (result.status, result.reason) == ("failed", reason)
    assert result.found == [published]


@pytest.mark.parametrize(
    ("published", "problem"),
    [
        ("p=none; v=DMARC1", "it must start with v=DMARC1"),
        ("v=dmarc1; p=none", "it must start with v=DMARC1"),
        ("v=DMARC1 p=none", "it must start with v=DMARC1"),
        ("v=DMARC1; rua=mailto:dmarc@penguinmails.test", "no p= policy"),
        ("v=DMARC1; p=block", "p=block is not a policy"),
        ("v=DMARC1; p=reject; pct=150", "pct=150 is not 0 to 100"),
    ],
)
def test_dmarc_malformed(published, problem):
    dns = _published()
    dns.publish("_dmarc.example.com", "TXT", published)
    result = _checked(dns, "dmarc")
    assert (result.status, result.reason) == ("failed", f"DMARC record malformed: {problem}")


def test_two_dmarc_records_fail():
    dns = _published()
    dns.publish("_dmarc.example.com", "TXT", DMARC, DMARC.replace("quarantine", "reject"))
    assert _checked(dns, "dmarc").reason == "2 DMARC records; there must be exactly one"


def test_dmarc_none_policy_ignores_pct():
    records = _records(policy="v=DMARC1; p=none")
    (dmarc,) = [r for r in records if r.kind == "dmarc"]
    dns = FakeDns()
    dns.publish(
        "_dmarc.example.com", "TXT", "v=DMARC1; p=none; pct=0; rua=mailto:dmarc@penguinmails.test"
    )
    assert check(dmarc, dns).status == "verified"


# --- MX and CNAME ------------------------------------------------------------------------


def test_mx_compared_canonically_and_extra_mx_are_fine():
    dns = _published()
    dns.publish("example.com", "MX", "20 backup.example.net", "10 MAIL.example.com.")
    assert _checked(dns, "mx", "MX").status == "verified"


def test_mx_differs_shows_both():
    dns = _published()
    dns.publish("example.com", "MX", "10 aspmx.l.google.com")
    result = _checked(dns, "mx", "MX")
    assert result.status == "failed"
    assert result.reason == (
        "MX at example.com differs: expected 10 mail.example.com, found 10 aspmx.l.google.com"
    )
    assert result.found == ["10 aspmx.l.google.com"]


def test_cname_differs():
    dns = _published()
    dns.publish("t.example.com", "CNAME", "elsewhere.test")
    result = _checked(dns, "tracking", "CNAME")
    assert result.status == "failed"
    assert "expected track.penguinmails.test, found elsewhere.test" in result.reason
