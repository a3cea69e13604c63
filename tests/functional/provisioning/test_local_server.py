"""A local server's mail listeners: SMTP (STARTTLS, AUTH against its MailU users, DKIM-signed
by the domain key MailU generated, landing in the main local mail server) and IMAP (STARTTLS,
LOGIN, SELECT, LOGOUT; garbage answered with BAD, the connection going on)."""

from __future__ import annotations

import imaplib
import smtplib
import socket
import ssl
from email.message import EmailMessage

import dkim
import pytest

from tests.functional.provisioning.conftest import DOMAIN

ANA, BO = f"ana@{DOMAIN}", f"bo@{DOMAIN}"


@pytest.fixture
def server(hostwinds, vps, mailu, mail_server):
    mailu.create_domain(mail_server, DOMAIN)
    mailu.create_user(mail_server, ANA, "ana-password", "Ana")
    mailu.create_user(mail_server, BO, "bo-password", "Bo")
    return hostwinds.server(vps.vps_id)


def _message(sender: str, to: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, "Hello"
    message["Message-ID"] = f"<m1@{DOMAIN}>"
    message.set_content("Hi there.\n")
    return message


def _send(server, vps, login: str, password: str, message: EmailMessage) -> None:
    with smtplib.SMTP(vps.ip, vps.smtp_port) as smtp:
        smtp.starttls(context=server.client_ssl_context())
        smtp.login(login, password)
        smtp.send_message(message)


def test_auth_is_offered_only_after_starttls(server, vps):
    with smtplib.SMTP(vps.ip, vps.smtp_port) as smtp:
        smtp.ehlo()
        assert not smtp.has_extn("auth")
        smtp.starttls(context=server.client_ssl_context())
        smtp.ehlo()
        assert smtp.has_extn("auth")


def test_a_wrong_password_is_refused(server, vps):
    with smtplib.SMTP(vps.ip, vps.smtp_port) as smtp:
        smtp.starttls(context=server.client_ssl_context())
        with pytest.raises(smtplib.SMTPAuthenticationError):
            smtp.login(ANA, "not-her-password")


def test_a_message_is_dkim_signed_and_lands_in_the_main_store(server, vps, main_smtp, mailu,
                                                             mail_server):  # fmt: skip
    # given: the DNS a receiver would see for the domain's key
    key = mailu.dkim(mail_server, DOMAIN)
    txt = f"v=DKIM1; k=rsa; p={key.public_key_b64}".encode()

    def dnsfunc(name: bytes, timeout: int = 5) -> bytes:
        return txt if name.rstrip(b".") == f"dkim._domainkey.{DOMAIN}".encode() else b""

    # when
    _send(server, vps, ANA, "ana-password", _message(ANA, "someone@example.net"))

    # then
    stored = main_smtp.messages()[-1]
    assert stored["auth_user"] == ANA and stored["tls"] is True
    assert stored["rcpt_tos"] == ["someone@example.net"]
    assert stored["raw"].startswith("DKIM-Signature:")
    assert dkim.verify(stored["raw"].encode(), dnsfunc=dnsfunc)
    assert not dkim.verify(stored["raw"].replace("Hi there", "Hi thare").encode(), dnsfunc=dnsfunc)


def test_mail_without_a_domain_key_is_passed_on_unsigned(server, vps, main_smtp):
    _send(server, vps, ANA, "ana-password", _message(ANA, "someone@example.net"))
    assert "DKIM-Signature" not in main_smtp.messages()[-1]["raw"]


def test_mail_for_a_hosted_mailbox_lands_in_its_inbox(server, vps, main_smtp):
    _send(server, vps, ANA, "ana-password", _message(ANA, BO))
    assert [m["mail_from"] for m in main_smtp.inbox(BO)] == [ANA]


def _imap(server, vps) -> imaplib.IMAP4:
    client = imaplib.IMAP4(vps.ip, vps.imap_port, timeout=10)
    client.starttls(ssl_context=server.client_ssl_context())
    return client


def test_imap_starttls_login_select_logout(server, vps):
    _send(server, vps, ANA, "ana-password", _message(ANA, BO))
    client = _imap(server, vps)

    assert client.login(BO, "bo-password")[0] == "OK"
    typ, data = client.select("INBOX")
    assert (typ, data) == ("OK", [b"1"])
    assert client.select("INBOX", readonly=True)[0] == "OK"  # EXAMINE
    assert client.noop()[0] == "OK"
    assert client.logout()[0] == "BYE"


def test_imap_refuses_a_wrong_password_and_an_unknown_mailbox(server, vps):
    client = _imap(server, vps)
    with pytest.raises(imaplib.IMAP4.error):
        client.login(BO, "wrong")
    client.login(BO, "bo-password")
    assert client.select("Archive")[0] == "NO"
    client.logout()


def _raw_imap(vps) -> tuple[socket.socket, object]:
    sock = socket.create_connection((vps.ip, vps.imap_port), timeout=10)
    reader = sock.makefile("rb")
    assert reader.readline().startswith(b"* OK")
    return sock, reader


def test_imap_refuses_login_before_starttls(server, vps):
    sock, reader = _raw_imap(vps)
    with sock:
        sock.sendall(b'a1 LOGIN "bo@acme-agency.test" "bo-password"\r\n')
        assert reader.readline().startswith(b"a1 NO [PRIVACYREQUIRED]")


@pytest.mark.parametrize(
    "garbage",
    [b"\r\n", b"   \r\n", b"*\r\n", b"a1\r\n", b"a1 FROB\r\n", b"\xff\xfe\x00 \x01\r\n",
     b"a1 LOGIN {5}\r\n", b'a1 SELECT "unterminated\r\n', b"x" * 20000 + b"\r\n"],
)  # fmt: skip
def test_imap_answers_garbage_with_bad_and_goes_on(server, vps, garbage):
    sock, reader = _raw_imap(vps)
    with sock:
        sock.sendall(garbage)
        assert b" BAD " in reader.readline()
        sock.sendall(b"z9 NOOP\r\n")
        assert reader.readline() == b"z9 OK NOOP completed.\r\n"


def test_stopping_the_server_drops_imap_clients(hostwinds, vps_client, server, vps):
    client = _imap(server, vps)
    vps_client.delete(vps.vps_id)
    with pytest.raises((imaplib.IMAP4.abort, OSError, ssl.SSLError)):
        client.noop()
