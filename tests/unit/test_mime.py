"""Building and DKIM-signing outgoing email, verified offline with a fake DNS lookup."""

from __future__ import annotations

import base64
import dataclasses
import email
import email.policy
import re
from datetime import UTC, datetime

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from chalicelib.adapters import mime

NOW = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
DOMAIN = "acme.test"
SELECTOR = "pm1"
HTML = (
    "<html><head><title>T</title><style>p {color: red}</style></head><body>"
    "<p>Hello   <b>Ann</b>,</p>\n\n<p>Read <a href='https://acme.test/post'>our post</a>"
    " &amp; reply.</p><script>alert(1)</script></body></html>"
)


@pytest.fixture(scope="module")
def keys() -> tuple[str, bytes]:
    """(private key PEM, DNS TXT record) for an RSA-2048 DKIM key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem, b"v=DKIM1; k=rsa; p=" + base64.b64encode(der)


def _dnsfunc(record: bytes):
    def lookup(name: bytes, timeout: int = 5) -> bytes | None:
        expected = f"{SELECTOR}._domainkey.{DOMAIN}.".encode()
        return record if name == expected else None

    return lookup


def _email(**changes: object) -> mime.OutgoingEmail:
    base = mime.OutgoingEmail(
        message_id="msg_abc123",
        from_address="sales@acme.test",
        from_name="Acme Sales",
        to="ann@example.test",
        subject="Quick question",
        html=HTML,
        text=None,
        reply_to=None,
        headers={},
        sending_domain=DOMAIN,
        bounce_domain="bounces.acme.test",
        unsubscribe_url=None,
        unsubscribe_mailto=None,
        bulk=False,
        postal_address=None,
    )
    return dataclasses.replace(base, **changes)


def _bulk(**changes: object) -> mime.OutgoingEmail:
    defaults: dict[str, object] = {
        "bulk": True,
        "unsubscribe_url": "https://acme.test/u/" + "t" * 120,
        "unsubscribe_mailto": "unsub+msg_abc123@acme.test",
        "postal_address": "Acme Inc, 1 Main St, Springfield",
    }
    return _email(**{**defaults, **changes})


def _parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def _content(part: email.message.EmailMessage) -> str:
    """Decoded body with CRLF (kept by the quoted-printable decoder) turned into LF."""
    return part.get_content().replace("\r\n", "\n")


def _parts(msg: email.message.EmailMessage) -> dict[str, str]:
    return {part.get_content_type(): _content(part) for part in msg.iter_parts()}


def test_signature_verifies_and_covers_required_headers(keys):
    pem, record = keys
    raw, _, _ = mime.build(_bulk(reply_to="ceo@acme.test"), NOW)
    signed = mime.sign(raw, DOMAIN, SELECTOR, pem)
    assert signed.startswith(b"DKIM-Signature:") and signed.endswith(raw)
    assert dkim.verify(signed, dnsfunc=_dnsfunc(record))
    sig = _parse(signed)["DKIM-Signature"]
    tags = dict(t.strip().split("=", 1) for t in str(sig).split(";") if "=" in t)
    assert tags["a"] == "rsa-sha256" and tags["c"] == "relaxed/relaxed"
    assert tags["d"] == DOMAIN and tags["s"] == SELECTOR
    signed_headers = set(re.sub(r"\s", "", tags["h"]).lower().split(":"))
    assert {
        "from",
        "to",
        "subject",
        "date",
        "message-id",
        "reply-to",
        "list-unsubscribe",
        "list-unsubscribe-post",
        "mime-version",
        "content-type",
    } <= signed_headers


def test_tampered_subject_fails_verification(keys):
    pem, record = keys
    raw, _, _ = mime.build(_email(), NOW)
    signed = mime.sign(raw, DOMAIN, SELECTOR, pem)
    tampered = signed.replace(b"Subject: Quick question", b"Subject: Quick questions")
    assert tampered != signed
    assert not dkim.verify(tampered, dnsfunc=_dnsfunc(record))


def test_non_bulk_signature_verifies_without_optional_headers(keys):
    pem, record = keys
    raw, _, _ = mime.build(_email(html=None, text="Plain hello\n"), NOW)
    signed = mime.sign(raw, DOMAIN, SELECTOR, pem)
    assert dkim.verify(signed, dnsfunc=_dnsfunc(record))


def test_multipart_alternative_with_derived_text():
    raw, _, _ = mime.build(_email(), NOW)
    msg = _parse(raw)
    assert msg.get_content_type() == "multipart/alternative"
    parts = _parts(msg)
    assert list(parts) == ["text/plain", "text/html"]
    assert parts["text/plain"] == "Hello Ann,\n\nRead our post (https://acme.test/post) & reply.\n"
    assert "<b>Ann</b>" in parts["text/html"]


def test_html_to_text_skips_hidden_content_and_plain_links():
    text = mime.html_to_text('<a href="https://x.test">https://x.test</a><style>a{}</style>')
    assert text == "https://x.test\n"


def test_given_text_is_kept_and_text_only_mail_is_single_part():
    raw, _, _ = mime.build(_email(text="My own text\n"), NOW)
    assert _parts(_parse(raw))["text/plain"] == "My own text\n"
    msg = _parse(mime.build(_email(html=None, text="Only text\n"), NOW)[0])
    assert msg.get_content_type() == "text/plain"
    assert _content(msg) == "Only text\n"


def test_core_headers():
    raw, _, _ = mime.build(_email(reply_to="ceo@acme.test", headers={"X-Campaign": "c_1"}), NOW)
    msg = _parse(raw)
    assert msg["From"] == "Acme Sales <sales@acme.test>"
    assert msg["To"] == "ann@example.test"
    assert msg["Reply-To"] == "ceo@acme.test"
    assert msg["Subject"] == "Quick question"
    assert msg["X-Campaign"] == "c_1"
    assert msg["Date"].datetime == NOW
    assert re.fullmatch(r"<msg_abc123\.[0-9a-f]{16}@acme\.test>", msg["Message-ID"])
    assert raw.count(b"MIME-Version:") == 1


def test_message_ids_are_unique():
    first = _parse(mime.build(_email(), NOW)[0])["Message-ID"]
    second = _parse(mime.build(_email(), NOW)[0])["Message-ID"]
    assert first != second


def test_bulk_headers_and_footer():
    raw, _, _ = mime.build(_bulk(), NOW)
    msg = _parse(raw)
    url = "https://acme.test/u/" + "t" * 120
    assert msg["List-Unsubscribe"] == f"<{url}>, <mailto:unsub+msg_abc123@acme.test>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    parts = _parts(msg)
    assert parts["text/plain"].endswith(
        f"-- \nAcme Inc, 1 Main St, Springfield\nUnsubscribe: {url}\n"
    )
    html = parts["text/html"]
    assert "Acme Inc, 1 Main St, Springfield" in html and f'href="{url}"' in html
    assert html.index("Springfield") < html.index("</body>")


def test_bulk_text_only_gets_footer():
    msg = _parse(mime.build(_bulk(html=None, text="Hi\n"), NOW)[0])
    assert "Acme Inc, 1 Main St, Springfield" in _content(msg)


def test_non_bulk_has_no_unsubscribe_headers_or_footer():
    msg = _parse(mime.build(_email(unsubscribe_url="https://acme.test/u/1"), NOW)[0])
    assert msg["List-Unsubscribe"] is None and msg["List-Unsubscribe-Post"] is None
    assert "Unsubscribe" not in _parts(msg)["text/plain"]


@pytest.mark.parametrize(
    "changes",
    [
        {"postal_address": None},
        {"postal_address": "  "},
        {"unsubscribe_url": None},
        {"unsubscribe_url": "http://acme.test/u"},
    ],
)
def test_bulk_requires_postal_address_and_https_unsubscribe(changes):
    with pytest.raises(ValueError):
        mime.build(_bulk(**changes), NOW)


def test_verp_round_trip():
    _, envelope, _ = mime.build(_email(message_id="msg_01h_xyz9"), NOW)
    assert envelope == "b+msg_01h_xyz9@bounces.acme.test"
    assert mime.parse_verp(envelope) == "msg_01h_xyz9"
    assert mime.parse_verp("<B+MSG_01H_XYZ9@bounces.acme.test>") == "msg_01h_xyz9"


@pytest.mark.parametrize("address", ["ann@example.test", "b+@x.test", "b+bad-id@x.test", "b+x"])
def test_parse_verp_rejects_other_addresses(address):
    assert mime.parse_verp(address) is None


@pytest.mark.parametrize("message_id", ["msg-abc", "MSG_ABC", "", "msg abc", "msg_abc\n"])
def test_message_id_must_be_safe(message_id):
    with pytest.raises(ValueError, match="message_id"):
        mime.build(_email(message_id=message_id), NOW)


def test_non_ascii_subject_and_display_name_are_encoded():
    email_ = _email(from_name="Zoë Müller, CEO", subject="Grüße aus Köln — " + "x" * 80)
    raw, _, smtputf8 = mime.build(email_, NOW)
    assert not smtputf8
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert head.isascii() and b"=?utf-8?" in head
    msg = _parse(raw)
    assert msg["Subject"] == "Grüße aus Köln — " + "x" * 80
    assert msg["From"].addresses[0].display_name == "Zoë Müller, CEO"
    assert msg["From"].addresses[0].addr_spec == "sales@acme.test"


def test_idn_recipient_domain_is_punycoded():
    raw, _, smtputf8 = mime.build(_email(to="ann@bücher.example"), NOW)
    assert not smtputf8
    assert b"To: ann@xn--bcher-kva.example\r\n" in raw


def test_non_ascii_local_part_needs_smtputf8():
    raw, _, smtputf8 = mime.build(_email(to="jörg@bücher.example"), NOW)
    assert smtputf8
    assert "To: jörg@xn--bcher-kva.example\r\n".encode() in raw


@pytest.mark.parametrize(
    "name",
    [
        "from",
        "TO",
        "Subject",
        "date",
        "Message-Id",
        "Return-Path",
        "List-Unsubscribe",
        "list-unsubscribe-post",
        "DKIM-Signature",
        "MIME-Version",
        "Content-Type",
        "content-transfer-encoding",
    ],
)
def test_custom_headers_cannot_override_ours(name):
    with pytest.raises(ValueError, match=name):
        mime.build(_email(headers={name: "x"}), NOW)


@pytest.mark.parametrize(
    "changes",
    [
        {"subject": "Hi\r\nBcc: victim@example.test"},
        {"subject": "Hi\nX: y"},
        {"from_name": "Acme\rX"},
        {"headers": {"X-Tag": "a\r\nBcc: victim@example.test"}},
        {"headers": {"X Bad": "a"}},
        {"to": "ann@example.test\r\nBcc: victim@example.test"},
        {"to": "Ann <ann@example.test>"},
        {"reply_to": "not-an-address"},
    ],
)
def test_header_injection_and_bad_values_are_refused(changes):
    with pytest.raises(ValueError):
        mime.build(_email(**changes), NOW)


def test_lines_end_with_crlf_and_header_values_have_no_line_breaks(keys):
    pem, _ = keys
    email_ = _bulk(from_name="Zoë " * 20, subject="Sübject " * 20, reply_to="r@acme.test")
    raw, _, _ = mime.build(email_, NOW)
    signed = mime.sign(raw, DOMAIN, SELECTOR, pem)
    assert b"\n" not in signed.replace(b"\r\n", b"")
    assert b"\r" not in signed.replace(b"\r\n", b"")
    assert max(len(line) for line in signed.split(b"\r\n")) <= 998
    for name, value in _parse(signed).items():
        assert "\r" not in value and "\n" not in value, name


def test_smtputf8_message_signature_verifies(keys):
    pem, record = keys
    raw, _, smtputf8 = mime.build(_email(to="jörg@bücher.example", subject="Grüße"), NOW)
    assert smtputf8
    assert dkim.verify(mime.sign(raw, DOMAIN, SELECTOR, pem), dnsfunc=_dnsfunc(record))
