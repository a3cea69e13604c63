"""Fixtures of the provisioning adapters' integration tests: one emulator, the local DNS
server answering from its Route 53 zones, and pebble validating DNS-01 through that server.

Tests needing pebble fail when it is missing (CI installs it, like ``make install``): a skip
would hide a machine that never tests certificates. ``PM_NO_PEBBLE=1`` turns that failure
into a skip, for a machine where pebble cannot be installed (not Debian, not root)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import dns.resolver
import pytest

from infrastructure.local.dns_server import LocalDnsServer
from infrastructure.local.pebble import INSTALL_HINT, LocalPebble, pebble_binary
from tests.integration.conftest import route53_at

HOST = "127.0.0.1"


def need_pebble() -> None:
    if pebble_binary() is not None:
        return
    if os.environ.get("PM_NO_PEBBLE") == "1":
        pytest.skip("pebble is not installed and PM_NO_PEBBLE=1")
    pytest.fail(INSTALL_HINT, pytrace=False)


def fresh_domain() -> str:
    return f"pm-{uuid.uuid4().hex[:10]}.test"


@pytest.fixture(scope="module")
def route53(moto_endpoint: str) -> Any:
    return route53_at(moto_endpoint)


@pytest.fixture(scope="module")
def dns_server(moto_endpoint: str) -> Iterator[LocalDnsServer]:
    server = LocalDnsServer(
        lambda: boto3.client(
            "route53",
            endpoint_url=moto_endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        ),
        host=HOST,
        port=0,
        cache_seconds=0.5,
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture
def resolver(dns_server: LocalDnsServer) -> dns.resolver.Resolver:
    res = dns.resolver.Resolver(configure=False)
    res.nameservers = [HOST]
    res.port = dns_server.port
    res.lifetime = 5.0
    return res


@pytest.fixture(scope="module")
def pebble(dns_server: LocalDnsServer) -> Iterator[LocalPebble]:
    need_pebble()
    ca = LocalPebble(dns_port=dns_server.port, host=HOST)
    ca.start()
    yield ca
    ca.stop()
