"""Where a webhook may point: HTTPS and public addresses in deployed stages (no private,
loopback, link-local, multicast, reserved or mapped private addresses); plain HTTP to
loopback locally. Every refusal is a 422 naming ``url``."""

from __future__ import annotations

import ipaddress

import pytest

from chalicelib.core.errors import UnprocessableEntity
from chalicelib.webhooks.rules import addresses


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "127.0.0.1",
        "169.254.169.254",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "100.64.0.1",
        "::1",
        "::",
        "fc00::1",
        "fd12:3456::1",
        "fe80::1",
        "ff02::1",
        "::ffff:10.0.0.1",
        "::ffff:127.0.0.1",
        "2002:0a00:0001::1",  # 6to4 of 10.0.0.1
    ],
)
def test_private_and_special_addresses_are_forbidden(address):
    assert addresses.is_forbidden(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_are_allowed(address):
    assert not addresses.is_forbidden(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "url",
    ["not a url", "example.com/hook", "ftp://example.com/", "https://", "https://user:pw@x.com/"],
)
def test_what_is_not_an_http_url_is_a_422_naming_url(url):
    with pytest.raises(UnprocessableEntity) as refused:
        addresses.checked_url(url, local=False)
    assert refused.value.details["field"] == "url"


def test_deployed_stages_take_https_only():
    with pytest.raises(UnprocessableEntity, match="https"):
        addresses.checked_url("http://hooks.example.com/in", local=False)
    assert addresses.checked_url("https://hooks.example.com/in", local=False)[1] == (
        "hooks.example.com"
    )


def test_locally_plain_http_goes_to_loopback_only():
    assert addresses.checked_url("http://127.0.0.1:9000/in", local=True)[1] == "127.0.0.1"
    assert addresses.checked_url("http://[::1]:9000/in", local=True)[1] == "::1"
    with pytest.raises(UnprocessableEntity):
        addresses.checked_url("http://hooks.example.com/in", local=True)


def test_a_host_resolving_to_any_private_address_is_refused():
    with pytest.raises(UnprocessableEntity) as refused:
        addresses.checked_addresses("evil.example", ["93.184.216.34", "10.0.0.5"], local=False)
    assert refused.value.details == {"field": "url", "addresses": ["10.0.0.5"]}


def test_a_host_that_does_not_resolve_is_refused():
    with pytest.raises(UnprocessableEntity, match="does not resolve"):
        addresses.checked_addresses("nowhere.example", [], local=False)


def test_loopback_is_refused_deployed_and_taken_locally():
    with pytest.raises(UnprocessableEntity):
        addresses.checked_addresses("localhost", ["127.0.0.1", "::1"], local=False)
    assert addresses.checked_addresses("localhost", ["127.0.0.1"], local=True)


def test_locally_a_private_address_is_still_refused():
    with pytest.raises(UnprocessableEntity):
        addresses.checked_addresses("lan.example", ["192.168.1.7"], local=True)
