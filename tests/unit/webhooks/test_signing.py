"""Signatures: ``t=<unix>,v1=<hex>`` over ``<t>.<body>``; both secrets sign for 24 hours
after a rotation, then only the new one."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

from chalicelib.webhooks.rules import signing

BODY = b'{"event_id":"evt_1","type":"message.sent"}'
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def test_a_secret_is_whsec_and_32_random_bytes():
    one, two = signing.new_secret(), signing.new_secret()
    assert one.startswith("whsec_") and one != two
    assert len(one.removeprefix("whsec_")) == 43  # 32 bytes, URL-safe base64 unpadded


def test_the_signature_is_hmac_sha256_over_t_dot_body():
    expected = hmac.new(b"whsec_k", b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert signing.signature("whsec_k", 1700000000, BODY) == expected
    assert signing.signature_header(["whsec_k"], 1700000000, BODY) == f"t=1700000000,v1={expected}"


def test_verify_accepts_the_right_secret_and_refuses_a_change_or_a_stale_time():
    header = signing.signature_header(["whsec_k"], 1700000000, BODY)
    assert signing.verify(header, BODY, "whsec_k", now=1700000010)
    assert not signing.verify(header, BODY + b" ", "whsec_k", now=1700000010)
    assert not signing.verify(header, BODY, "whsec_other", now=1700000010)
    assert not signing.verify(header, BODY, "whsec_k", now=1700000000 + 301)
    assert not signing.verify("v1=abc", BODY, "whsec_k", now=1700000000)


def test_during_a_rotation_both_secrets_sign_for_24_hours_then_only_the_new_one():
    keys = signing.SigningKeys("whsec_old").rotated("whsec_new", NOW)
    during = keys.active(NOW + timedelta(hours=23, minutes=59))
    assert during == ["whsec_new", "whsec_old"]
    header = signing.signature_header(during, 1700000000, BODY)
    assert header.count("v1=") == 2
    for secret in ("whsec_new", "whsec_old"):
        assert signing.verify(header, BODY, secret, now=1700000000)
    assert keys.active(NOW + timedelta(hours=24)) == ["whsec_new"]


def test_signing_keys_round_trip_through_json():
    keys = signing.SigningKeys("whsec_old").rotated("whsec_new", NOW)
    assert signing.SigningKeys.from_json(keys.to_json()) == keys
