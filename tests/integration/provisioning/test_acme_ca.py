"""``AcmeCertificateAuthority`` against a real ACME server: pebble, validating DNS-01 through
the local DNS server, with the challenges published in the emulator's Route 53."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.verification import PolicyBuilder, Store

from chalicelib.aws.secrets import SecretWriter
from chalicelib.provisioning.acme_ca import AcmeCertificateAuthority, SecretAccountKey
from chalicelib.provisioning.dns_providers import Route53Dns, dns_visible
from chalicelib.provisioning.errors import (
    CertificateAuthorityUnavailable,
    CertificateRejected,
    DnsNotVisible,
)
from chalicelib.provisioning.ports import DnsRecord
from infrastructure.local.dns_server import LocalDnsServer
from infrastructure.local.pebble import LocalPebble
from infrastructure.local.providers.challenge_faults import FaultyChallengeDns
from tests.fakes.core import FakeSecrets
from tests.integration.provisioning.conftest import HOST, fresh_domain, need_pebble


class Challenges:
    """publish/unpublish through Route 53, recording what was asked."""

    def __init__(self, route53: Any, zone: str, lie: str | None = None) -> None:
        self.dns = Route53Dns(route53)
        self.zone = zone
        self.lie = lie  # publish this value instead of the right one
        self.published: list[tuple[str, str]] = []
        self.unpublished: list[tuple[str, str]] = []

    def publish(self, name: str, value: str) -> None:
        self.published.append((name, value))
        self.dns.upsert(self.zone, [DnsRecord(name, "TXT", self.lie or value, ttl=60)])

    def unpublish(self, name: str, value: str) -> None:
        self.unpublished.append((name, value))
        self.dns.delete(self.zone, [DnsRecord(name, "TXT", value, ttl=60)])


def authority(
    pebble: LocalPebble, dns_server: LocalDnsServer, secrets: Any = None, **kw: Any
) -> AcmeCertificateAuthority:
    kw.setdefault("visible", dns_visible(HOST, dns_server.port, timeout=2.0))
    return AcmeCertificateAuthority(
        pebble.directory_url,
        "ops@penguinmails.test",
        SecretAccountKey(secrets if secrets is not None else FakeSecrets(), "acme/account-key"),
        ca_bundle=pebble.ca_bundle_path,
        **kw,
    )


def _chain(pem: str) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(pem.encode())


def _challenge_gone(route53: Any, name: str) -> bool:
    """No TXT record at ``name`` in the emulator's Route 53 (what every resolver is fed)."""
    zone = name.split(".", 2)[2] + "."
    (hosted,) = route53.list_hosted_zones_by_name(DNSName=zone, MaxItems="1")["HostedZones"]
    record_sets = route53.list_resource_record_sets(HostedZoneId=hosted["Id"])
    return all(rs["Name"] != name + "." for rs in record_sets["ResourceRecordSets"])


def test_issues_a_certificate_that_chains_to_pebbles_root(
    pebble: LocalPebble,
    dns_server: LocalDnsServer,
    route53: Any,
) -> None:
    domain = fresh_domain()
    host = f"mail.{domain}"
    challenges = Challenges(route53, domain)

    issued = authority(pebble, dns_server).issue([host], challenges.publish, challenges.unpublish)

    leaf, *intermediates = _chain(issued.cert_chain_pem)
    root = x509.load_pem_x509_certificate(pebble.root_pem().encode())
    verifier = PolicyBuilder().store(Store([root])).build_server_verifier(x509.DNSName(host))
    verifier.verify(leaf, intermediates)  # raises when it does not chain to pebble's root
    san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == [host]
    key = serialization.load_pem_private_key(issued.key_pem.encode(), password=None)
    assert key.public_key().public_numbers() == leaf.public_key().public_numbers()
    assert issued.not_after == leaf.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert challenges.published == challenges.unpublished
    assert [name for name, _ in challenges.published] == [f"_acme-challenge.{host}"]
    assert _challenge_gone(route53, f"_acme-challenge.{host}")


def test_several_hostnames_in_one_certificate(
    pebble: LocalPebble, dns_server: LocalDnsServer, route53: Any
) -> None:
    domain = fresh_domain()
    hosts = [f"mail.{domain}", f"imap.{domain}"]
    challenges = Challenges(route53, domain)
    issued = authority(pebble, dns_server).issue(hosts, challenges.publish, challenges.unpublish)
    san = _chain(issued.cert_chain_pem)[0].extensions.get_extension_for_class(
        x509.SubjectAlternativeName
    )
    assert sorted(san.value.get_values_for_type(x509.DNSName)) == sorted(hosts)
    assert sorted(challenges.unpublished) == sorted(challenges.published)
    assert len(challenges.published) == 2


def test_a_wrong_challenge_value_is_rejected_and_the_record_removed(
    pebble: LocalPebble,
    dns_server: LocalDnsServer,
    route53: Any,
) -> None:
    domain = fresh_domain()
    host = f"mail.{domain}"
    challenges = Challenges(route53, domain, lie="not-the-key-authorization")
    ca = authority(pebble, dns_server, visible=None)  # answer at once: the CA sees the lie

    with pytest.raises(CertificateRejected) as refused:
        ca.issue([host], challenges.publish, challenges.unpublish)

    assert "Correct value not found for DNS challenge" in str(refused.value)  # the CA's words
    assert host in str(refused.value)
    assert challenges.unpublished == challenges.published
    assert _challenge_gone(route53, f"_acme-challenge.{host}")


def test_a_record_never_visible_is_dns_not_visible_and_unpublished(
    pebble: LocalPebble, dns_server: LocalDnsServer, route53: Any
) -> None:
    challenges = Challenges(route53, fresh_domain())
    ca = authority(pebble, dns_server, visible=lambda name, value: False, timeout=0.3)
    ca._poll_seconds = 0.1
    with pytest.raises(DnsNotVisible):
        ca.issue([f"mail.{challenges.zone}"], challenges.publish, challenges.unpublish)
    assert challenges.unpublished == challenges.published != []


def test_the_account_key_is_made_once_and_kept_in_the_secret_store(
    pebble: LocalPebble, dns_server: LocalDnsServer, moto_endpoint: str
) -> None:
    import boto3

    client = boto3.client(
        "secretsmanager",
        endpoint_url=moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    store = SecretWriter(client)
    first = authority(pebble, dns_server, secrets=store)
    first_account = first._account().net.account
    pem = store.read("acme/account-key")
    assert pem.startswith("-----BEGIN PRIVATE KEY-----")

    second = authority(pebble, dns_server, secrets=store)
    assert second._account().net.account["uri"] == first_account["uri"]
    assert store.read("acme/account-key") == pem


def test_revoke_the_leaf_twice(
    pebble: LocalPebble, dns_server: LocalDnsServer, route53: Any
) -> None:
    challenges = Challenges(route53, fresh_domain())
    ca = authority(pebble, dns_server)
    issued = ca.issue([f"mail.{challenges.zone}"], challenges.publish, challenges.unpublish)
    ca.revoke(issued.cert_chain_pem)
    ca.revoke(issued.cert_chain_pem)  # already revoked is fine


def test_a_stopped_ca_is_unavailable(
    dns_server: LocalDnsServer, route53: Any, tmp_path: Path
) -> None:
    need_pebble()
    gone = LocalPebble(dns_port=dns_server.port, host=HOST)
    gone.start()
    bundle = shutil.copy(gone.ca_bundle_path, tmp_path / "ca.pem")
    url = gone.directory_url
    gone.stop()
    ca = AcmeCertificateAuthority(url, "ops@penguinmails.test", _pem, ca_bundle=str(bundle))
    challenges = Challenges(route53, fresh_domain())
    with pytest.raises(CertificateAuthorityUnavailable):
        ca.issue([f"mail.{challenges.zone}"], challenges.publish, challenges.unpublish)
    assert challenges.published == []


def test_a_ca_stopped_after_registration_is_unavailable(
    dns_server: LocalDnsServer, route53: Any, tmp_path: Path
) -> None:
    need_pebble()
    running = LocalPebble(dns_port=dns_server.port, host=HOST)
    running.start()
    try:
        bundle = shutil.copy(running.ca_bundle_path, tmp_path / "ca.pem")
        ca = AcmeCertificateAuthority(
            running.directory_url, "ops@penguinmails.test", _pem, ca_bundle=str(bundle)
        )
        ca._account()  # registered while it ran
    finally:
        running.stop()
    challenges = Challenges(route53, fresh_domain())
    with pytest.raises(CertificateAuthorityUnavailable):
        ca.issue([f"mail.{challenges.zone}"], challenges.publish, challenges.unpublish)


class Switch:
    """A ``take(step)``-er: on for ``IssueCertificate`` while ``on``."""

    def __init__(self) -> None:
        self.on = True
        self.asked: list[str] = []

    def take(self, step: str) -> bool:
        self.asked.append(step)
        return self.on and step == "IssueCertificate"


def test_the_issue_certificate_fault_makes_the_ca_see_a_wrong_value(
    dns_server: LocalDnsServer,
    route53: Any,
) -> None:
    need_pebble()
    switch = Switch()
    faulty = FaultyChallengeDns(dns_server.port, switch, host=HOST)
    faulty.start()
    ca_server = LocalPebble(dns_port=faulty.port, host=HOST)
    ca_server.start()
    try:
        challenges = Challenges(route53, fresh_domain())
        host = f"mail.{challenges.zone}"
        with pytest.raises(CertificateRejected) as refused:
            authority(ca_server, dns_server).issue([host], challenges.publish, challenges.unpublish)
        assert "Correct value not found for DNS challenge" in str(refused.value)  # pebble's
        assert faulty.injected >= 1
        assert _challenge_gone(route53, f"_acme-challenge.{host}")

        switch.on = False  # the fault cleared: the same path issues
        issued = authority(ca_server, dns_server).issue(
            [host], challenges.publish, challenges.unpublish
        )
        assert _chain(issued.cert_chain_pem)
    finally:
        ca_server.stop()
        faulty.stop()


def _pem() -> str:
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
