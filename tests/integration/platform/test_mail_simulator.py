"""Integration tests for the mailbox simulator behind the local SMTP server (real client, TLS)."""

from __future__ import annotations

import asyncio
import email
import email.policy
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import aiosmtplib
import pytest

from infrastructure.local.mail_simulator import SIM_DOMAIN, behaviour
from infrastructure.local.smtp_server import LocalSmtpServer
from tests.integration.smtp_client import ClosingClient as _Client

HOST = "127.0.0.1"
USER = "sender@acme.test"
OTHER = "colleague@acme.test"
PASSWORD = "correct horse battery staple"
ORIGINAL_ID = "<original-1@acme.test>"

Replies = dict[str, aiosmtplib.SMTPResponse]


@pytest.fixture
def server() -> Iterator[LocalSmtpServer]:
    smtp = LocalSmtpServer(host=HOST, port=0, slow_seconds=0.5)
    smtp.start()
    smtp.add_user(USER, PASSWORD)
    smtp.add_user(OTHER, PASSWORD)
    yield smtp
    smtp.stop()


def _sim(local: str) -> str:
    return f"{local}@{SIM_DOMAIN}"


def _message(to: str, subject: str = "Quick question") -> EmailMessage:
    message = EmailMessage()
    message["From"] = USER
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = ORIGINAL_ID
    message.set_content("Hi,\nwould you like a demo?\nBye\n")
    return message


async def _transaction(
    server: LocalSmtpServer,
    recipients: list[str],
    message: EmailMessage,
    *,
    auth: bool = True,
    mail_from: str = USER,
) -> tuple[Replies, aiosmtplib.SMTPResponse | None]:
    """One MAIL/RCPT.../DATA transaction; DATA only if some recipient was accepted."""
    client = _Client(
        hostname=HOST,
        port=server.port,
        start_tls=auth,
        tls_context=server.client_ssl_context(),
        local_hostname="client.test",
    )
    async with client:
        await client.ehlo()
        if auth:
            await client.auth_plain(USER, PASSWORD)
        await client.mail(mail_from)
        replies = {
            r: await client.execute_command(b"RCPT", f"TO:<{r}>".encode()) for r in recipients
        }
        accepted = any(reply.code == 250 for reply in replies.values())
        data = await client.data(message.as_bytes()) if accepted else None
    return replies, data


def _send(server: LocalSmtpServer, to: str, **kwargs: Any) -> tuple[Replies, Any]:
    return asyncio.run(_transaction(server, [to], _message(to), **kwargs))


def _parse(record: dict[str, Any]) -> EmailMessage:
    return email.message_from_bytes(record["raw"].encode("utf-8"), policy=email.policy.default)


def _only_generated(server: LocalSmtpServer, kind: str) -> EmailMessage:
    [record] = server.inbox(USER)
    assert record["kind"] == kind
    assert record["rcpt_tos"] == [USER]
    parsed = _parse(record)
    assert parsed["To"] == USER
    assert parsed["Message-ID"] and parsed["Message-ID"] != ORIGINAL_ID
    assert parsed["Date"] is not None
    return parsed


def test_behaviour_parsing_ignores_case_and_plus_tags() -> None:
    assert behaviour(_sim("success+42")) == "success"
    assert behaviour(f"BOUNCE+x@{SIM_DOMAIN.upper()}") == "bounce"
    assert behaviour(_sim("someone")) is None
    assert behaviour("bounce@prospect.test") is None


@pytest.mark.parametrize("address", [_sim("success"), _sim("success+42"), _sim("Success")])
def test_success_is_accepted_and_stored(server: LocalSmtpServer, address: str) -> None:
    replies, data = _send(server, address)
    [stored] = server.messages()
    assert replies[address].code == 250 and data is not None and data.code == 250
    assert stored["rcpt_tos"] == [address]
    assert server.inbox(USER) == []


@pytest.mark.parametrize("address", [_sim("bounce"), f"Bounce+7@{SIM_DOMAIN}"])
def test_bounce_is_rejected_at_rcpt(server: LocalSmtpServer, address: str) -> None:
    replies, data = _send(server, address)
    reply = replies[address]
    assert (reply.code, reply.message) == (
        550,
        f"5.1.1 <{address}>: Recipient address rejected: user unknown",
    )
    assert data is None and server.messages() == []


def test_defer_is_451_twice_per_pair_then_accepted(server: LocalSmtpServer) -> None:
    address = _sim("defer+1")
    codes = [_send(server, address)[0][address] for _ in range(3)]
    assert [(r.code, r.message) for r in codes[:2]] == [(451, "4.7.1 Try again later")] * 2
    assert codes[2].code == 250
    assert _send(server, _sim("defer+2"))[0][_sim("defer+2")].code == 451  # its own pair
    [stored] = server.messages()
    assert stored["rcpt_tos"] == [address]


def test_slow_is_accepted(server: LocalSmtpServer) -> None:
    address = _sim("slow+3")
    replies, data = _send(server, address)
    assert replies[address].code == 250 and data is not None and data.code == 250
    assert [m["rcpt_tos"] for m in server.messages()] == [[address]]


def test_dsn_lands_in_sender_inbox(server: LocalSmtpServer) -> None:
    address = _sim("dsn+5")
    _send(server, address)
    dsn = _only_generated(server, "dsn")
    assert dsn["From"] == f"MAILER-DAEMON@{SIM_DOMAIN}"
    assert dsn.get_content_type() == "multipart/report"
    assert dsn.get_param("report-type") == "delivery-status"
    human, status, headers = dsn.iter_parts()
    assert human.get_content_type() == "text/plain"
    assert status.get_content_type() == "message/delivery-status"
    per_message, per_recipient = status.get_payload()
    assert per_message["Reporting-MTA"] == f"dns; {SIM_DOMAIN}"
    assert per_recipient["Final-Recipient"] == f"rfc822; {address}"
    assert per_recipient["Action"] == "failed"
    assert per_recipient["Status"] == "5.1.1"
    assert per_recipient["Diagnostic-Code"] == "smtp; 550 5.1.1 user unknown"
    assert headers.get_content_type() == "text/rfc822-headers"
    assert f"Message-ID: {ORIGINAL_ID}" in headers.get_content()


def test_complaint_is_an_arf_report(server: LocalSmtpServer) -> None:
    address = _sim("complaint")
    _send(server, address)
    arf = _only_generated(server, "arf")
    assert arf.get_content_type() == "multipart/report"
    assert arf.get_param("report-type") == "feedback-report"
    human, feedback, original = arf.iter_parts()
    assert human.get_content_type() == "text/plain"
    assert feedback.get_content_type() == "message/feedback-report"
    [fields] = feedback.get_payload()
    assert fields["Feedback-Type"] == "abuse"
    assert fields["User-Agent"] and fields["Version"] == "1"
    assert fields["Original-Rcpt-To"] == f"<{address}>"
    assert original.get_content_type() == "message/rfc822"
    [embedded] = original.get_payload()
    assert embedded["Message-ID"] == ORIGINAL_ID
    assert embedded["Subject"] == "Quick question"


@pytest.mark.parametrize(
    ("local", "kind", "prefix", "auto"),
    [("ooto", "auto_reply", "Out of office: ", True), ("reply+9", "reply", "Re: ", False)],
)
def test_replies_reference_the_original(
    server: LocalSmtpServer, local: str, kind: str, prefix: str, auto: bool
) -> None:
    _send(server, _sim(local))
    reply = _only_generated(server, kind)
    assert reply["From"] == _sim(local)
    assert reply["Subject"] == f"{prefix}Quick question"
    assert reply["In-Reply-To"] == ORIGINAL_ID
    assert reply["References"] == ORIGINAL_ID
    assert (reply["Auto-Submitted"] == "auto-replied") is auto
    if not auto:
        assert "> would you like a demo?" in reply.get_content()


def test_without_auth_answers_go_to_the_envelope_sender() -> None:
    with LocalSmtpServer(host=HOST, port=0, auth_required=False) as relay:
        _send(relay, _sim("reply"), auth=False)
        [record] = relay.inbox(USER.upper())
    assert record["kind"] == "reply"


def test_mail_to_a_local_user_lands_in_their_inbox(server: LocalSmtpServer) -> None:
    _send(server, OTHER.upper())
    [record] = server.inbox(OTHER)
    assert record["kind"] == "delivered"
    assert record["auth_user"] == USER
    assert _parse(record)["Message-ID"] == ORIGINAL_ID
    assert server.inboxes() == {OTHER: 1}
    server.clear()
    assert server.inboxes() == {} and server.inbox(OTHER) == []


def test_simulator_can_be_turned_off() -> None:
    with LocalSmtpServer(host=HOST, port=0, simulator=False) as plain:
        plain.add_user(USER, PASSWORD)
        replies, _ = _send(plain, _sim("bounce"))
        assert plain.inboxes() == {}
    assert replies[_sim("bounce")].code == 250


def test_forced_bounces_refuse_that_share_of_the_authenticated_senders_recipients(
    server: LocalSmtpServer,
) -> None:
    assert server.simulator is not None
    server.simulator.force_bounces(USER, 0.5)
    leads = [OTHER, _sim("success"), "lead1@prospect.test", "lead2@prospect.test"]

    # the envelope sender is a VERP return path: the session's AUTH user is what counts
    verp = "b+msg_1@bounces.acme.test"
    replies, data = asyncio.run(_transaction(server, leads, _message(OTHER), mail_from=verp))

    assert [replies[lead].code for lead in leads] == [250, 550, 250, 550]
    assert replies[leads[1]].message.startswith("5.1.1 ")
    assert data is not None and data.code == 250
    [stored] = server.messages()
    assert stored["rcpt_tos"] == [OTHER, "lead1@prospect.test"]
    assert server.simulator.forced_bounces()[0]["refused"] == 2


def test_warmup_mail_lands_in_the_folder_its_placement_names(server: LocalSmtpServer) -> None:
    server.mail_store.spam_rate = 1
    warmup = _message(OTHER)
    warmup["X-PM-Warmup"] = "wt_token"
    asyncio.run(_transaction(server, [OTHER], warmup))
    asyncio.run(_transaction(server, [OTHER], _message(OTHER)))

    assert [(r["folder"], r["uid"]) for r in server.inbox(OTHER)] == [("spam", 1), ("inbox", 1)]
