"""The real ``MailuClient`` against a local server's MailU admin API: idempotent domains,
users and DKIM, refusals of a wrong token, step faults, and the certificate endpoint."""

from __future__ import annotations

import base64
import secrets
import smtplib
import ssl
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from chalicelib.provisioning.errors import ProviderUnavailable, ProvisioningFailed
from chalicelib.provisioning.ports import MailServer
from tests.functional.provisioning.conftest import DOMAIN, HOSTNAME

USER = f"ana@{DOMAIN}"


def test_ready_once_the_api_answers_with_the_token(mailu, mail_server):
    assert mailu.ready(mail_server)
    wrong = MailServer(mail_server.base_url, "wrong-" + secrets.token_hex(4))
    assert not mailu.ready(wrong)


def test_ready_is_false_where_nothing_answers(mailu, vps):
    assert not mailu.ready(MailServer(f"http://{vps.ip}:1/api/v1", "t"))


def test_a_wrong_token_is_refused(mailu, mail_server):
    wrong = MailServer(mail_server.base_url, "wrong-" + secrets.token_hex(4))
    with pytest.raises(ProvisioningFailed, match="403") as refused:
        mailu.create_domain(wrong, DOMAIN)
    assert wrong.token not in str(refused.value)
    assert mailu.domains(mail_server) == []


def test_domain_create_and_delete_are_idempotent(mailu, mail_server):
    mailu.create_domain(mail_server, DOMAIN)
    mailu.create_domain(mail_server, DOMAIN)
    assert mailu.domains(mail_server) == [DOMAIN]

    mailu.delete_domain(mail_server, DOMAIN)
    mailu.delete_domain(mail_server, DOMAIN)
    assert mailu.domains(mail_server) == []


def test_an_invalid_domain_is_refused_with_mailus_message(mailu, mail_server):
    with pytest.raises(ProvisioningFailed, match="not a valid domain"):
        mailu.create_domain(mail_server, "not a domain")


def test_dkim_is_generated_once_and_read_after(mailu, mail_server):
    mailu.create_domain(mail_server, DOMAIN)

    key = mailu.dkim(mail_server, DOMAIN)
    again = mailu.dkim(mail_server, DOMAIN)

    assert key == again
    assert key.selector == "dkim"
    public = serialization.load_der_public_key(base64.b64decode(key.public_key_b64))
    assert public.key_size == 2048


def test_dkim_of_a_missing_domain_is_refused(mailu, mail_server):
    with pytest.raises(ProvisioningFailed, match="404"):
        mailu.dkim(mail_server, "nowhere.test")


def test_user_create_is_idempotent_and_sets_the_password(mailu, mail_server, vps, hostwinds):
    mailu.create_domain(mail_server, DOMAIN)
    mailu.create_user(mail_server, USER, "first-password", "Ana")
    mailu.create_user(mail_server, USER, "second-password", "Ana B")

    assert mailu.users(mail_server, DOMAIN) == [USER]
    state = hostwinds.server(vps.vps_id).state
    assert state.check_password(USER, b"second-password") == USER
    assert state.check_password(USER, b"first-password") is None
    assert state.user(USER).displayed_name == "Ana B"


def test_a_user_needs_its_domain(mailu, mail_server):
    with pytest.raises(ProvisioningFailed, match="does not exist"):
        mailu.create_user(mail_server, USER, "pw", "Ana")


def test_user_delete_is_idempotent_and_a_domain_takes_its_users(mailu, mail_server):
    mailu.create_domain(mail_server, DOMAIN)
    mailu.create_user(mail_server, USER, "pw", "Ana")
    mailu.create_user(mail_server, f"bo@{DOMAIN}", "pw", "Bo")

    mailu.delete_user(mail_server, USER)
    mailu.delete_user(mail_server, USER)
    assert mailu.users(mail_server, DOMAIN) == [f"bo@{DOMAIN}"]

    mailu.delete_domain(mail_server, DOMAIN)
    assert mailu.users(mail_server, DOMAIN) == []


def test_domain_fault_once_then_created(mailu, mail_server, faults):
    faults.fail("CreateMailDomain", "once")
    with pytest.raises(ProviderUnavailable):
        mailu.create_domain(mail_server, DOMAIN)
    mailu.create_domain(mail_server, DOMAIN)
    assert mailu.domains(mail_server) == [DOMAIN]


def test_mailbox_fault_always_never_creates(mailu, mail_server, faults):
    mailu.create_domain(mail_server, DOMAIN)
    faults.fail("CreateMailboxes", "always")
    for _ in range(3):
        with pytest.raises(ProviderUnavailable):
            mailu.create_user(mail_server, USER, "pw", "Ana")
    assert mailu.users(mail_server, DOMAIN) == []


def _certificate(hostname: str) -> tuple[str, str, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    der = cert.public_bytes(serialization.Encoding.DER)
    return cert.public_bytes(serialization.Encoding.PEM).decode(), key_pem, der


def _served_certificate(ip: str, port: int) -> bytes:
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    with smtplib.SMTP(ip, port) as smtp:
        smtp.starttls(context=context)
        return smtp.sock.getpeercert(binary_form=True)


def test_an_installed_certificate_is_served_to_new_connections(mailu, mail_server, vps):
    chain, key, der = _certificate(HOSTNAME)
    before = _served_certificate(vps.ip, vps.smtp_port)

    mailu.install_certificate(mail_server, chain, key)

    assert before != der
    assert _served_certificate(vps.ip, vps.smtp_port) == der


def test_a_certificate_without_its_key_is_refused(mailu, mail_server):
    chain, _, _ = _certificate(HOSTNAME)
    _, other_key, _ = _certificate(HOSTNAME)
    with pytest.raises(ProvisioningFailed, match="400"):
        mailu.install_certificate(mail_server, chain, other_key)
