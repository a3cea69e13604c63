"""Integration tests for the local SMTP server (MailU stand-in) with a real client on loopback."""

from __future__ import annotations

import asyncio
import base64
import email
import email.policy
import os
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage

import aiosmtplib
import pytest

from infrastructure.local.smtp_server import LocalSmtpHandler, LocalSmtpServer
from tests.integration.smtp_client import ClosingClient as _Client

HOST = "127.0.0.1"
USER = "sender@acme.test"
PASSWORD = "correct horse battery staple"
HANG_GUARD_SECONDS = 30  # only stops a broken run from hanging; never an assertion


@pytest.fixture
def server() -> Iterator[LocalSmtpServer]:
    smtp = LocalSmtpServer(host=HOST, port=0)
    smtp.start()
    smtp.add_user(USER, PASSWORD)
    yield smtp
    smtp.stop()


def _message(subject: str = "Hello", to: str = "lead@prospect.test") -> EmailMessage:
    message = EmailMessage()
    message["From"] = USER
    message["To"] = to
    message["Subject"] = subject
    message.set_content("Hi there,\n.a line that starts with a dot\nBye\n")
    return message


def _client(server: LocalSmtpServer, *, start_tls: bool = True) -> _Client:
    return _Client(
        hostname=HOST,
        port=server.port,
        start_tls=start_tls,
        tls_context=server.client_ssl_context(),  # trusts the generated cert, verification on
        local_hostname="client.test",
    )


async def _login(client: aiosmtplib.SMTP, mechanism: str, user: str, password: str) -> None:
    await client.ehlo()  # aiosmtplib does not re-EHLO after STARTTLS before auth_* calls
    if mechanism == "LOGIN":
        await client.auth_login(user, password)
    else:
        await client.auth_plain(user, password)


async def _send(server: LocalSmtpServer, message: EmailMessage, mechanism: str = "LOGIN") -> str:
    async with _client(server) as client:
        await _login(client, mechanism, USER, PASSWORD)
        errors, reply = await client.send_message(message)
    assert errors == {}
    return reply


def _connect_error(port: int) -> type[OSError] | None:
    try:
        with socket.create_connection((HOST, port), timeout=5):
            return None
    except OSError as error:
        return type(error)


@pytest.mark.parametrize("mechanism", ["LOGIN", "PLAIN"])
def test_starttls_auth_send_is_stored(server: LocalSmtpServer, mechanism: str) -> None:
    message = _message()
    reply = asyncio.run(_send(server, message, mechanism))

    [stored] = server.messages()
    assert reply == f"2.0.0 OK queued as {stored['id']}"
    assert stored["id"].startswith("smtp_") and len(stored["id"]) == 5 + 32
    assert stored["mail_from"] == USER
    assert stored["rcpt_tos"] == ["lead@prospect.test"]
    assert stored["auth_user"] == USER
    assert stored["tls"] is True
    assert stored["peer"].startswith(f"{HOST}:")
    assert stored["size"] == len(stored["raw"].encode("utf-8"))
    assert stored["received_at"].endswith("Z")
    assert datetime.fromisoformat(stored["received_at"]).tzinfo == UTC
    assert "\r\n..a line" not in stored["raw"]  # SMTP dot-stuffing undone
    parsed = email.message_from_string(stored["raw"], policy=email.policy.default)
    assert parsed["Subject"] == "Hello"
    assert parsed["To"] == "lead@prospect.test"
    body = parsed.get_content().replace("\r\n", "\n")
    assert body == "Hi there,\n.a line that starts with a dot\nBye\n"


def test_messages_newest_last_and_clear(server: LocalSmtpServer) -> None:
    asyncio.run(_send(server, _message("first")))
    asyncio.run(_send(server, _message("second"), "PLAIN"))
    subjects = [m["raw"].split("Subject: ")[1].split("\r\n")[0] for m in server.messages()]
    assert subjects == ["first", "second"]
    assert server.status()["messages"] == 2
    server.clear()
    assert server.messages() == []
    assert server.users() == [USER]


@pytest.mark.parametrize("mechanism", ["LOGIN", "PLAIN"])
@pytest.mark.parametrize(
    ("user", "password"), [(USER, "wrong password"), ("nobody@acme.test", PASSWORD)]
)
def test_bad_credentials_are_535(
    server: LocalSmtpServer, mechanism: str, user: str, password: str
) -> None:
    async def attempt() -> None:
        async with _client(server) as client:
            await _login(client, mechanism, user, password)

    with pytest.raises(aiosmtplib.SMTPAuthenticationError) as caught:
        asyncio.run(attempt())
    assert caught.value.code == 535
    assert "5.7.8" in caught.value.message


def test_auth_before_starttls_is_refused(server: LocalSmtpServer) -> None:
    credentials = base64.b64encode(f"\0{USER}\0{PASSWORD}".encode()).decode()

    async def attempt() -> tuple[bool, aiosmtplib.SMTPResponse]:
        async with _client(server, start_tls=False) as client:
            await client.ehlo()
            advertised = client.supports_extension("auth")
            reply = await client.execute_command(b"AUTH", b"PLAIN", credentials.encode())
            return advertised, reply

    advertised, reply = asyncio.run(attempt())
    assert advertised is False
    assert reply.code == 538
    assert server.messages() == []


@pytest.mark.parametrize("start_tls", [True, False])
def test_mail_from_without_auth_is_530(server: LocalSmtpServer, start_tls: bool) -> None:
    async def attempt() -> None:
        async with _client(server, start_tls=start_tls) as client:
            await client.ehlo()
            await client.mail(USER)

    with pytest.raises(aiosmtplib.SMTPSenderRefused) as caught:
        asyncio.run(attempt())
    assert caught.value.code == 530
    assert server.messages() == []


def test_utf8_subject_and_smtputf8_recipient_are_stored_intact(server: LocalSmtpServer) -> None:
    recipient = "josé.müller@exämple.test"
    subject = "Café ☕ — ¡hola, 世界!"
    asyncio.run(_send(server, _message(subject, to=recipient)))

    [stored] = server.messages()
    assert stored["rcpt_tos"] == [recipient]
    assert f"Subject: {subject}\r\n" in stored["raw"]  # SMTPUTF8: raw UTF-8 header, no RFC 2047
    assert stored["size"] == len(stored["raw"].encode("utf-8"))
    parsed = email.message_from_string(stored["raw"], policy=email.policy.default)
    assert parsed["Subject"] == subject
    assert parsed["To"] == recipient


def test_stop_releases_port_and_is_idempotent() -> None:
    smtp = LocalSmtpServer(host=HOST, port=0)
    smtp.start()
    port, cert_path = smtp.port, smtp.cert_path
    assert port != 0 and cert_path is not None and os.path.exists(cert_path)
    assert smtp.status()["status"] == "ok"
    assert _connect_error(port) is None

    smtp.stop()
    assert _connect_error(port) is ConnectionRefusedError
    assert not os.path.exists(os.path.dirname(cert_path))
    smtp.stop()
    assert smtp.status()["status"] == "stopped"
    assert smtp.cert_path is None


def test_stop_drops_connected_clients(server: LocalSmtpServer) -> None:
    with socket.create_connection((HOST, server.port), timeout=HANG_GUARD_SECONDS) as client:
        assert client.recv(1024).startswith(b"220 smtp.penguinmails.local ")
        server.stop()
        try:
            leftover = client.recv(1024)
        except ConnectionResetError:
            leftover = b""
    assert leftover == b""


def test_start_on_busy_port_raises_and_cleans_up() -> None:
    with socket.socket() as busy:
        busy.bind((HOST, 0))
        busy.listen()
        smtp = LocalSmtpServer(host=HOST, port=busy.getsockname()[1])
        with pytest.raises(OSError):
            smtp.start()
    assert smtp.status()["status"] == "stopped"
    assert smtp.cert_path is None
    smtp.stop()


def test_passwords_are_stored_salted_not_clear(server: LocalSmtpServer) -> None:
    server.add_user("Other@Acme.test", PASSWORD)
    store = server._users  # the MailU-like user table
    assert server.users() == ["other@acme.test", USER]
    assert server.has_user("OTHER@acme.test") and not server.has_user("ghost@acme.test")
    for record in store.values():
        assert PASSWORD not in record
        assert PASSWORD.encode().hex() not in record
        assert base64.b64encode(PASSWORD.encode()).decode() not in record
        assert record.startswith("scrypt$")
    assert store[USER] != store["other@acme.test"]  # same password, different salt


def test_plain_relay_accepts_without_auth() -> None:
    with LocalSmtpServer(host=HOST, port=0, auth_required=False) as relay:

        async def send() -> None:
            async with _client(relay, start_tls=False) as client:
                await client.send_message(_message())

        asyncio.run(send())
        [stored] = relay.messages()
    assert stored["auth_user"] is None
    assert stored["tls"] is False


def test_rcpt_reply_hook_rejects_chosen_recipients() -> None:
    class Simulator(LocalSmtpHandler):
        def rcpt_reply(self, address: str) -> str | None:
            return "550 5.1.1 No such user" if address.startswith("bounce@") else None

    with LocalSmtpServer(host=HOST, port=0, handler_class=Simulator) as smtp:
        smtp.add_user(USER, PASSWORD)

        async def send() -> dict[str, aiosmtplib.SMTPResponse]:
            async with _client(smtp) as client:
                await _login(client, "PLAIN", USER, PASSWORD)
                errors, _ = await client.sendmail(
                    USER, ["bounce@prospect.test", "ok@prospect.test"], _message().as_bytes()
                )
                return errors

        errors = asyncio.run(send())
        [stored] = smtp.messages()
    assert errors["bounce@prospect.test"].code == 550
    assert stored["rcpt_tos"] == ["ok@prospect.test"]


def test_mail_to_a_bounce_host_lands_in_the_inbox_of_the_mailbox_that_sent_the_message(
    server: LocalSmtpServer,
) -> None:
    # given a message sent with the return path b+<id>@bounces.<domain>
    async def scenario() -> None:
        async with _client(server) as client:
            await _login(client, "LOGIN", USER, PASSWORD)
            await client.send_message(_message(), sender="b+msg_sent1@bounces.acme.test")
            # when mail comes to that message's unsubscribe address, and to an unknown one
            for to in (
                "unsubscribe+msg_sent1@bounces.acme.test",
                "unsubscribe+msg_x@bounces.acme.test",
            ):
                await client.send_message(_message("unsubscribe", to))

    asyncio.run(scenario())
    # then only the first lands, in the inbox of the mailbox that sent the message
    assert [m["rcpt_tos"] for m in server.inbox(USER)] == [
        ["unsubscribe+msg_sent1@bounces.acme.test"]
    ]
