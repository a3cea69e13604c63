"""``MxProviderResolver`` over the platform's DNS server (answering from moto's Route 53):
a domain's provider by its MX hosts, ``other`` when it has none, each answer cached."""

from __future__ import annotations

import boto3
import pytest

from chalicelib.analytics.mx import MxProviderResolver
from infrastructure.local.dns_server import LocalDnsServer


@pytest.fixture
def dns_server(aws):
    route53 = boto3.client("route53", region_name="us-east-1")
    zone = route53.create_hosted_zone(Name="acme-mx.test.", CallerReference="acme-mx")
    record = {
        "Name": "acme-mx.test.",
        "Type": "MX",
        "TTL": 60,
        "ResourceRecords": [{"Value": "10 acme-mx-test.mail.protection.outlook.com."}],
    }
    route53.change_resource_record_sets(
        HostedZoneId=zone["HostedZone"]["Id"],
        ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": record}]},
    )
    server = LocalDnsServer(lambda: boto3.client("route53", region_name="us-east-1"), port=0)
    server.start()
    yield server
    server.stop()


def test_providers_by_mx_and_well_known_names_and_failures_are_other(dns_server):
    resolver = MxProviderResolver("127.0.0.1", dns_server.port, timeout=2.0)
    assert resolver.provider("Acme-MX.test.") == "microsoft"
    assert resolver.provider("nothing-here.test") == "other"
    assert resolver.provider("gmail.com") == "gmail"  # never asked: a well-known domain
    # answers are cached: with the server gone the same answers come back
    dns_server.stop()
    assert resolver.provider("acme-mx.test") == "microsoft"
