"""The records a sending domain must publish, their text forms, and domain-name validation."""

from __future__ import annotations

import dns.rdatatype
import dns.zone
import pytest

from chalicelib.core.errors import ValidationFailed
from chalicelib.domains.rules.dns_records import (
    RequiredRecord,
    bind_snippet,
    dmarc_policy,
    normalise_domain,
    required_records,
    route53_txt,
    txt_strings,
)

KEY = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" + "A" * 348 + "IDAQAB"


def _records(**overrides) -> list[RequiredRecord]:
    arguments = {
        "domain": "Acme.TEST.",
        "selector": "pm1",
        "dkim_public_key_b64": KEY,
        "server_ips": ["192.0.2.10", "2001:db8::1"],
        "spf_includes": ["_spf.penguinmails.test"],
        "dmarc_policy": "v=DMARC1; p=none",
        "rua_address": "dmarc@reports.penguinmails.test",
        "mail_host": "mail.acme.test.",
        "bounce_host": "bounces.acme.test",
        "tracking_target": "track.penguinmails.test.",
    }
    return required_records(**{**arguments, **overrides})


def _by(records: list[RequiredRecord], kind: str, rtype: str) -> RequiredRecord:
    (record,) = [r for r in records if r.kind == kind and r.type == rtype]
    return record


def test_required_records_cover_every_kind_in_order():
    records = _records()
    assert [(r.kind, r.type) for r in records] == [
        ("spf", "TXT"),
        ("dkim", "TXT"),
        ("dmarc", "TXT"),
        ("mx", "MX"),
        ("return_path", "MX"),
        ("return_path", "TXT"),
        ("tracking", "CNAME"),
    ]
    assert [r.kind for r in records if r.verifies] == ["spf", "dkim", "dmarc"]


def test_spf_at_the_apex_authorises_ips_and_includes():
    spf = _by(_records(), "spf", "TXT")
    assert spf.name == "acme.test"
    assert spf.value == "v=spf1 ip4:192.0.2.10 ip6:2001:db8::1 include:_spf.penguinmails.test ~all"


def test_ipv6_addresses_are_written_canonically():
    spf = _by(_records(server_ips=["2001:0DB8:0000::0001"], spf_includes=[]), "spf", "TXT")
    assert spf.value == "v=spf1 ip6:2001:db8::1 ~all"


def test_a_server_ip_that_is_not_an_address_is_refused():
    with pytest.raises(ValidationFailed) as error:
        _records(server_ips=["mail.acme.test"])
    assert error.value.details["field"] == "server_ips"


def test_dkim_dmarc_mx_tracking_values():
    records = _records()
    dkim = _by(records, "dkim", "TXT")
    assert dkim.name == "pm1._domainkey.acme.test"
    assert dkim.value == f"v=DKIM1; k=rsa; p={KEY}"
    dmarc = _by(records, "dmarc", "TXT")
    assert dmarc.name == "_dmarc.acme.test"
    assert dmarc.value == "v=DMARC1; p=none; rua=mailto:dmarc@reports.penguinmails.test"
    mx = _by(records, "mx", "MX")
    assert (mx.name, mx.value) == ("acme.test", "10 mail.acme.test")
    tracking = _by(records, "tracking", "CNAME")
    assert (tracking.name, tracking.value) == ("t.acme.test", "track.penguinmails.test")


def test_dkim_key_whitespace_is_removed():
    dkim = _by(_records(dkim_public_key_b64=KEY[:40] + "\n  " + KEY[40:]), "dkim", "TXT")
    assert dkim.value.endswith(KEY)


def test_return_path_has_mx_and_the_same_spf():
    records = _records()
    assert _by(records, "return_path", "MX").name == "bounces.acme.test"
    assert _by(records, "return_path", "MX").value == "10 mail.acme.test"
    bounce_spf = _by(records, "return_path", "TXT")
    assert bounce_spf.name == "bounces.acme.test"
    assert bounce_spf.value == _by(records, "spf", "TXT").value


def test_return_path_given_as_a_label():
    assert _by(_records(bounce_host="rp"), "return_path", "MX").name == "rp.acme.test"


def test_return_path_outside_the_domain_is_refused():
    with pytest.raises(ValidationFailed) as error:
        _records(bounce_host="bounces.other.test")
    assert error.value.details["field"] == "bounce_host"


@pytest.mark.parametrize(
    ("age", "policy"),
    [
        (0, "v=DMARC1; p=none"),
        (29, "v=DMARC1; p=none"),
        (30, "v=DMARC1; p=quarantine; pct=10"),
        (89, "v=DMARC1; p=quarantine; pct=10"),
        (90, "v=DMARC1; p=reject"),
        (400, "v=DMARC1; p=reject"),
    ],
)
def test_dmarc_policy_is_staged(age, policy):
    assert dmarc_policy(age) == policy


def test_txt_strings_split_at_255_bytes():
    value = "x" * 600
    assert [len(s) for s in txt_strings(value)] == [255, 255, 90]
    assert "".join(txt_strings(value)) == value
    assert txt_strings("short") == ["short"]
    assert txt_strings("") == [""]
    assert [len(s) for s in txt_strings("y" * 255)] == [255]


def test_txt_strings_refuse_non_ascii():
    with pytest.raises(ValueError):
        txt_strings("café")


def test_route53_txt_quotes_and_escapes():
    assert route53_txt('a "b" c\\d') == '"a \\"b\\" c\\\\d"'
    long_value = "v=DKIM1; k=rsa; p=" + "A" * 400
    chunks = txt_strings(long_value)
    assert route53_txt(long_value) == f'"{chunks[0]}" "{chunks[1]}"'


def test_to_public_gives_route53_value_and_strings():
    dkim = _by(_records(), "dkim", "TXT").to_public()
    assert set(dkim) == {"kind", "name", "type", "value", "route53_value", "strings"}
    assert len(dkim["strings"]) == 2 and "".join(dkim["strings"]) == dkim["value"]
    assert dkim["route53_value"] == route53_txt(dkim["value"])
    mx = _by(_records(), "mx", "MX").to_public()
    assert "strings" not in mx
    assert mx["route53_value"] == "10 mail.acme.test."
    assert _by(_records(), "tracking", "CNAME").to_public()["route53_value"] == (
        "track.penguinmails.test."
    )


def test_bind_snippet_is_a_valid_zone_fragment():
    records = _records()
    snippet = bind_snippet("acme.test", records)
    assert snippet.startswith("$ORIGIN acme.test.\n$TTL 3600\n")
    assert '( "v=DKIM1; k=rsa; p=' in snippet
    zone = dns.zone.from_text(
        "@ 3600 IN SOA ns hostmaster 1 7200 900 1209600 300\n@ 3600 IN NS ns\n" + snippet,
        origin="acme.test.",
        check_origin=False,
        relativize=False,
    )
    for record in records:
        rdataset = zone.find_rdataset(record.name + ".", record.type)
        assert rdataset.ttl == 3600
        (rdata,) = rdataset
        if rdata.rdtype == dns.rdatatype.TXT:
            assert b"".join(rdata.strings).decode() == record.value
            assert [s.decode() for s in rdata.strings] == txt_strings(record.value)
        else:
            assert rdata.to_text().removesuffix(".") == record.value


def test_bind_snippet_names_are_relative():
    lines = bind_snippet("acme.test", _records()).splitlines()[2:]
    owners = [line.split()[0] for line in lines]
    assert owners == ["@", "pm1._domainkey", "_dmarc", "@", "bounces", "bounces", "t"]


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("Example.TEST", "example.test"),
        ("acme.com.", "acme.com"),
        ("  mail.acme.co.uk  ", "mail.acme.co.uk"),
        ("bücher.de", "xn--bcher-kva.de"),
        ("xn--bcher-kva.de", "xn--bcher-kva.de"),
        ("a-b.c0m", "a-b.c0m"),
        ("1password.com", "1password.com"),
        ("x" * 63 + ".test", "x" * 63 + ".test"),
    ],
)
def test_normalise_domain_accepts(given, canonical):
    assert normalise_domain(given) == canonical


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ("", "empty"),
        (".", "empty"),
        ("acme", "single_label"),
        ("acme.com..", "label_length"),
        ("acme..com", "label_length"),
        ("x" * 64 + ".com", "label_length"),
        (".".join(["abcdefghi"] * 26) + ".com", "too_long"),
        ("-acme.com", "label_hyphen"),
        ("acme-.com", "label_hyphen"),
        ("ac_me.com", "label_characters"),
        ("acme com.com", "label_characters"),
        ("*.acme.com", "label_characters"),
        ("acme.123", "numeric_tld"),
        ("192.0.2.1", "ip_address"),
        ("2001:db8::1", "ip_address"),
        ("[::1]", "ip_address"),
        ("localhost", "single_label"),
        ("app.localhost", "reserved"),
        ("foo.invalid", "reserved"),
        ("foo.example", "reserved"),
        ("printer.local", "reserved"),
        ("example.com", "reserved"),
        ("mail.example.org", "reserved"),
        ("EXAMPLE.NET.", "reserved"),
        ("a\u200db.com", "idna"),
    ],
)
def test_normalise_domain_refuses(given, reason):
    with pytest.raises(ValidationFailed) as error:
        normalise_domain(given)
    assert error.value.details["field"] == "name"
    assert error.value.details["reason"] == reason
    assert error.value.message


def test_refusal_names_the_bad_label():
    with pytest.raises(ValidationFailed) as error:
        normalise_domain("good.-bad-.com")
    assert error.value.details["label"] == "-bad-"
    assert "hyphen" in error.value.message
