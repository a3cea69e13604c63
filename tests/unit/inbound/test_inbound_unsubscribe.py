"""Recognising a mail to a message's unsubscribe address: the top-level recipient fields and
the envelope only (a quoted or attached copy does not count), any case, our ids only, and
hostile bytes never raise."""

from __future__ import annotations

import random

import pytest

from chalicelib.inbound.rules.unsubscribe import is_own_address, unsubscribe_targets
from chalicelib.mail.addresses import unsubscribe_mailto

ID = "msg_agrcaaaaaaaaaaaaaaaaaaaa"
ADDRESS = unsubscribe_mailto(ID, "demo.test")


def _mail(*fields: str, body: str = "unsubscribe me") -> bytes:
    return ("\r\n".join(["From: lead@example.test", *fields, "", body]) + "\r\n").encode()


def test_the_advertised_address_reads_back_as_its_message_and_host():
    assert ADDRESS == f"unsubscribe+{ID}@bounces.demo.test"
    assert unsubscribe_targets(_mail(f"To: Lead <{ADDRESS}>")) == ((ID, "bounces.demo.test"),)
    shouted = _mail(f"Cc: someone@example.test, {ADDRESS.upper()}")
    assert unsubscribe_targets(shouted) == ((ID, "bounces.demo.test"),)


def test_the_envelope_recipient_counts_when_no_field_names_the_address():
    assert unsubscribe_targets(_mail("To: undisclosed-recipients:;"), ADDRESS) == (
        (ID, "bounces.demo.test"),
    )


def test_an_address_only_quoted_in_the_body_or_an_attached_copy_is_no_request():
    quoted = _mail("To: alice@demo.test", body=f"To: {ADDRESS}\r\nplease see {ADDRESS}")
    assert unsubscribe_targets(quoted) == ()
    lookalikes = _mail(f"To: x{ADDRESS}, unsubscribe+notours@bounces.demo.test")
    assert unsubscribe_targets(lookalikes) == ()


def test_the_address_is_the_messages_own_only_on_its_sending_domains_bounce_host():
    assert is_own_address("bounces.demo.test", "alice@demo.test")
    assert is_own_address("bounces.xn--bcher-kva.test", "alice@bücher.test")
    assert not is_own_address("bounces.other.test", "alice@demo.test")
    assert not is_own_address("demo.test", "alice@demo.test")
    assert not is_own_address("bounces.demo.test", "not an address")


@pytest.mark.parametrize("seed", range(5))
def test_hostile_bytes_never_raise(seed):
    rng = random.Random(seed)
    noise = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 4000)))
    assert isinstance(unsubscribe_targets(noise), tuple)
    assert isinstance(unsubscribe_targets(b"To: " + noise + ADDRESS.encode()), tuple)
    assert unsubscribe_targets(_mail("To: " + ADDRESS) * 20_000)[:1] == ((ID, "bounces.demo.test"),)
