"""Building, tracking and DKIM-signing outgoing email, verified offline with a fake DNS lookup."""

from __future__ import annotations

import base64
import dataclasses
import email
import email.policy
import random
import re
from datetime import UTC, datetime

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from dkim.canonicalization import Relaxed

from chalicelib.mail.addresses import parse_verp
from chalicelib.mail.text import html_to_text
from chalicelib.sending.mime import build as mime
from chalicelib.sending.mime import dkim as dkim_signer
from chalicelib.sending.mime.dkim import DkimSigner
from chalicelib.sending.rules import tokens as tracking_tokens
from tests.unit.sending import mime_oracle

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
    text = html_to_text('<a href="https://x.test">https://x.test</a><style>a{}</style>')
    assert text == "https://x.test\n"


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>a &amp; b &lt;tag&gt; &#169; caf&eacute;</p>", "a & b <tag> © café\n"),
        ("<div>one<br>two<br/>3</div><ul><li>x</li><li>y</li></ul>", "one\ntwo\n\n3\n\nx\n\ny\n"),
        ('<script>if (a < b) { x("</div>") }</script>shown<style>p>a{}</style>!', "shown!\n"),
        ('<!-- <a href="https://hidden.test">h</a> -->kept<!doctype html>', "kept\n"),
        ('<a href="#top">top</a> <a>no</a> <A HREF="https://up.test">Up</A>', "top no Up (https://up.test)\n"),
        ("x < y and 3</4", "x < y and 3</4\n"),
        ("<p>unclosed <b", "unclosed <b\n"),
        ('<a href="https://n.test"><b>bold</b> label</a>', "bold label (https://n.test)\n"),
    ],
)  # fmt: skip
def test_html_to_text_reads_markup_like_an_html_parser(html, text):
    assert html_to_text(html) == text


def test_html_to_text_is_linear_on_markup_that_never_closes():
    # Would take quadratic time if every "<p" were retried to the end of the document.
    assert html_to_text("<p " * 30_000).startswith("<p <p")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("Subject", "Quick question"),
        ("Subject", "x" * 69),
        ("Subject", 'say "hi" (there), ok?'),
        ("X-Campaign", "c_1"),
        ("Date", "Mon, 06 May 2024 07:08:09 +0000"),
        ("Message-ID", "<msg_abc.0123456789abcdef@acme.test>"),
        ("MIME-Version", "1.0"),
        ("Content-Type", 'text/plain; charset="utf-8"'),
        ("Content-Type", 'multipart/alternative; boundary="=_pm_0123456789abcdef01234567"'),
        ("Content-Transfer-Encoding", "quoted-printable"),
    ],
)
def test_headers_written_directly_are_what_the_stdlib_folder_writes(name, value):
    # the oracle skips the stdlib folder for short ASCII values of simple types (it is slow);
    # this pins that shortcut to the stdlib's own output.
    stdlib = email.policy.SMTP
    header = mime_oracle._SMTP.header_factory(name, value)
    assert mime_oracle._SMTP.fold_binary(name, header) == stdlib.fold_binary(name, header)


def test_long_words_stay_whole_and_other_header_lines_fold_within_78():
    url = "https://acme.test/u/" + "t" * 300
    raw, _, _ = mime.build(_bulk(unsubscribe_url=url, subject="word " * 40 + "end"), NOW)
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    assert f"List-Unsubscribe: <{url}>,\r\n" in head  # the URL whole, on one line
    assert all(len(line) <= 78 or url in line for line in head.split("\r\n"))
    msg = _parse(raw)
    assert msg["Subject"] == "word " * 40 + "end"
    assert msg["List-Unsubscribe"] == f"<{url}>, <mailto:unsub+msg_abc123@acme.test>"


def test_non_ascii_subject_is_encoded_words_of_whole_characters():
    subject = "Grüße — " + "🚀" * 30 + " aus Köln"
    raw, _, _ = mime.build(_email(subject=subject), NOW)
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert head.isascii() and max(len(line) for line in head.split(b"\r\n")) <= 78
    assert _parse(raw)["Subject"] == subject


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


def test_message_ids_are_one_per_message():
    # a retry of a message is the same email (and a follow-up names it before it is built):
    # the same Message-ID; another message has another one
    first = _parse(mime.build(_email(), NOW)[0])["Message-ID"]
    again = _parse(mime.build(_email(subject="Retried"), NOW)[0])["Message-ID"]
    other = _parse(mime.build(_email(message_id="msg_abc124"), NOW)[0])["Message-ID"]
    assert first == again
    assert other != first


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
    assert parse_verp(envelope) == "msg_01h_xyz9"
    assert parse_verp("<B+MSG_01H_XYZ9@bounces.acme.test>") == "msg_01h_xyz9"


@pytest.mark.parametrize("address", ["ann@example.test", "b+@x.test", "b+bad-id@x.test", "b+x"])
def test_parse_verp_rejects_other_addresses(address):
    assert parse_verp(address) is None


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


# --- fast DKIM signing (DkimSigner: cryptography RSA, own relaxed canonicalization) -------

LONG_HEADERS = {
    "from_name": "Zoë " * 20,
    "subject": "Sübject with a long long line " * 6,
    "reply_to": "r@acme.test",
    "headers": {"X-Long": "word " * 60, "X-Tabs": "a\tb   c"},
}


@pytest.mark.parametrize(
    "message",
    [
        pytest.param(lambda: _email(), id="multipart-html-text"),
        pytest.param(lambda: _email(html=None, text="Plain hello\n"), id="text-only"),
        pytest.param(lambda: _bulk(reply_to="ceo@acme.test"), id="bulk-list-unsubscribe"),
        pytest.param(lambda: _email(to="jörg@bücher.example", subject="Grüße"), id="smtputf8"),
        pytest.param(lambda: _bulk(**LONG_HEADERS), id="long-folded-headers"),
        pytest.param(lambda: _email(html=None, text="  spaced \t\ttabs  \n\n\n\n"), id="ws"),
        pytest.param(lambda: _email(html=None, text=""), id="empty-body"),
    ],
)
def test_fast_signatures_verify_with_dkimpy(keys, message):
    pem, record = keys
    raw, _, _ = mime.build(message(), NOW)
    signed = DkimSigner(DOMAIN, SELECTOR, pem).sign(raw)
    assert signed.endswith(raw)
    assert dkim.verify(signed, dnsfunc=_dnsfunc(record))


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b"Subject: Quick question", b"Subject: Quick questions"),
        (b"To: ann@example.test", b"To: bob@example.test"),
        (b"List-Unsubscribe-Post: List-Unsubscribe=One-Click", b"X-Removed: 1"),
        (b"Springfield", b"Shelbyville"),
    ],
)
def test_tampering_with_a_signed_header_or_the_body_fails(keys, old, new):
    pem, record = keys
    raw, _, _ = mime.build(_bulk(), NOW)
    signed = DkimSigner(DOMAIN, SELECTOR, pem).sign(raw)
    assert old in signed
    assert not dkim.verify(signed.replace(old, new), dnsfunc=_dnsfunc(record))


def test_adding_a_list_unsubscribe_to_a_signed_one_to_one_mail_fails(keys):
    # List-Unsubscribe is signed even when absent, so nobody can add one on the way.
    pem, record = keys
    raw, _, _ = mime.build(_email(), NOW)
    signed = DkimSigner(DOMAIN, SELECTOR, pem).sign(raw)
    added = signed.replace(b"\r\nTo: ", b"\r\nList-Unsubscribe: <https://evil.test>\r\nTo: ", 1)
    assert not dkim.verify(added, dnsfunc=_dnsfunc(record))


def test_relaxed_canonicalization_tolerates_whitespace_changes_in_transit(keys):
    # given a signed message
    pem, record = keys
    raw, _, _ = mime.build(_email(html=None, text="Hello there\nSecond line\n"), NOW)
    signed = DkimSigner(DOMAIN, SELECTOR, pem).sign(raw)
    # when a relay refolds a header, pads spaces and adds blank lines at the end
    relayed = signed.replace(b"Subject: Quick question", b"Subject:  Quick\r\n\t question ")
    relayed = relayed.replace(b"Hello there", b"Hello    there  ") + b"\r\n\r\n"
    # then the relaxed/relaxed signature still verifies
    assert relayed != signed
    assert dkim.verify(relayed, dnsfunc=_dnsfunc(record))


def test_signature_field_tags_and_line_lengths(keys):
    pem, _ = keys
    raw, _, _ = mime.build(_email(), NOW)
    field = DkimSigner(DOMAIN, SELECTOR, pem).header(raw, timestamp=1_715_000_000)
    assert field.startswith(b"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;")
    assert field.endswith(b"\r\n") and b"\n" not in field[:-2].replace(b"\r\n ", b"")
    assert max(len(line) for line in field.split(b"\r\n")) <= 78
    value = field.decode().split(":", 1)[1].replace("\r\n", "")
    tags = {k.strip(): v.strip() for k, v in (t.split("=", 1) for t in value.split(";"))}
    assert tags["d"] == DOMAIN and tags["s"] == SELECTOR and tags["t"] == "1715000000"
    signed = [h.strip() for h in tags["h"].split(":")]
    assert signed == [
        "from", "to", "subject", "date", "message-id", "list-unsubscribe", "mime-version",
        "content-type",
    ]  # fmt: skip
    assert len(base64.b64decode(tags["bh"])) == 32
    assert len(base64.b64decode(re.sub(r"\s", "", tags["b"]))) == 256


def test_relaxed_canonicalization_matches_dkimpy_on_random_input():
    # given random bodies and header values made of the characters canonicalization cares about
    rng = random.Random(6376)
    alphabet = [b"a", b"Z", b" ", b"  ", b"\t", b"\r\n", b"\r\n ", b"\xc3\xa9", b"="]
    for _ in range(500):
        sample = b"".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 40)))
        body = sample.replace(b"\r\n ", b"\r\n")
        name = rng.choice([b"Subject", b"X-Tag ", b"FROM"])
        # when both implementations canonicalize them, then they agree byte for byte
        assert dkim_signer.relaxed_body(body) == Relaxed.canonicalize_body(body), body
        expected = b":".join(Relaxed.canonicalize_headers([(name, sample)])[0])
        assert dkim_signer.relaxed_header(name, sample) == expected, sample


def test_sign_uses_one_cached_signer_per_key(keys):
    pem, record = keys
    assert mime.signer(DOMAIN, SELECTOR, pem) is mime.signer(DOMAIN, SELECTOR, pem)
    raw, _, _ = mime.build(_email(), NOW)
    signed = mime.sign(raw, DOMAIN.upper() + ".", SELECTOR, pem)  # domain normalised
    assert dkim.verify(signed, dnsfunc=_dnsfunc(record))


def test_signer_refuses_bad_keys_domains_and_selectors(keys):
    pem, _ = keys
    ec_pem = (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode("ascii")
    )
    with pytest.raises(ValueError, match="RSA"):
        DkimSigner(DOMAIN, SELECTOR, ec_pem)
    with pytest.raises(ValueError):
        DkimSigner(DOMAIN, SELECTOR, "not a key")
    for selector in ("", "pm1; h=from", "pm1\r\nX: y", "-pm"):
        with pytest.raises(ValueError, match="selector"):
            DkimSigner(DOMAIN, selector, pem)
    for domain in ("ACME.test", "acme", "acme.test; x=y", "bücher.test"):
        with pytest.raises(ValueError, match="domain"):
            DkimSigner(domain, SELECTOR, pem)
    assert "PRIVATE" not in repr(DkimSigner(DOMAIN, SELECTOR, pem))


# --- tracking in build ---------------------------------------------------------------------

KEYS = tracking_tokens.TokenKeys({"k1": b"k" * 32}, "k1")
EXPIRES = 1_900_000_000
TRACKED_HTML = (
    "<html><body><p>Hi, read <a href='https://acme.test/post?a=1&amp;b=2'>our post</a>,"
    ' <a href="mailto:sales@acme.test">write</a> or'
    ' <a href="https://acme.test/u/own">leave</a>.</p></body></html>'
)


def _tracking(**changes: object) -> mime.Tracking:
    base = mime.Tracking("https://t.acme.test", "ten_1", KEYS, EXPIRES)
    return dataclasses.replace(base, **changes)


def _tokens(html: str, kind: str) -> list[tracking_tokens.TokenClaims]:
    found = re.findall(rf"https://t\.acme\.test/t/{kind}/([A-Za-z0-9_-]+)", html)
    return [tracking_tokens.decode(token, KEYS, int(NOW.timestamp())) for token in found]


def test_tracked_build_signs_links_and_adds_the_open_pixel(keys):
    # given a bulk email with tracking whose template links to the unsubscribe URL too
    email_ = _bulk(
        html=TRACKED_HTML, unsubscribe_url="https://acme.test/u/own", tracking=_tracking()
    )
    # when it is built
    raw, _, _ = mime.build(email_, NOW)
    parts = _parts(_parse(raw))
    html = parts["text/html"]
    # then the http link goes through a click token naming this message, link and URL
    clicks = _tokens(html, "c")
    assert [(c.kind, c.tenant_id, c.message_id, c.link_index, c.url) for c in clicks] == [
        ("click", "ten_1", "msg_abc123", 0, "https://acme.test/post?a=1&b=2")
    ]
    assert clicks[0].expires_at == EXPIRES
    opens = _tokens(html, "o")
    assert [(o.kind, o.message_id) for o in opens] == [("open", "msg_abc123")]
    assert 'width="1" height="1"' in html and html.index("/t/o/") < html.index("</body>")
    # and mailto, the unsubscribe link and the footer are untouched; text keeps real URLs
    assert 'href="mailto:sales@acme.test"' in html
    assert html.count('href="https://acme.test/u/own"') == 2
    assert "https://acme.test/post?a=1&b=2" in parts["text/plain"]
    assert "/t/c/" not in parts["text/plain"]
    pem, record = keys
    assert dkim.verify(mime.sign(raw, DOMAIN, SELECTOR, pem), dnsfunc=_dnsfunc(record))


def test_opens_and_clicks_can_be_tracked_separately():
    opens_only = mime.build(_email(html=TRACKED_HTML, tracking=_tracking(clicks=False)), NOW)
    html = _parts(_parse(opens_only[0]))["text/html"]
    assert "/t/c/" not in html and len(_tokens(html, "o")) == 1
    clicks_only = mime.build(_email(html=TRACKED_HTML, tracking=_tracking(opens=False)), NOW)
    html = _parts(_parse(clicks_only[0]))["text/html"]
    assert "/t/o/" not in html and len(_tokens(html, "c")) == 2


def test_untracked_build_leaves_links_alone():
    raw, _, _ = mime.build(_email(html=TRACKED_HTML), NOW)
    html = _parts(_parse(raw))["text/html"]
    assert "t.acme.test" not in html and "https://acme.test/post?a=1&amp;b=2" in html


@pytest.mark.parametrize("tracking", [None, "tracked"])
@pytest.mark.parametrize(
    "href", ["javascript:alert(document.cookie)", "data:text/html,<b>x</b>", "&#106;avascript:x"]
)
def test_script_and_data_links_are_refused_when_the_email_is_built(tracking, href):
    html = f'<p><a href="https://acme.test/ok">ok</a> <a href="{href}">click</a></p>'
    email_ = _email(html=html, tracking=_tracking() if tracking else None)
    with pytest.raises(ValueError, match=r"^html: link '(javascript|data):.*' is refused"):
        mime.build(email_, NOW)


def test_a_link_too_long_to_sign_is_a_clear_error():
    html = '<a href="https://acme.test/' + "x" * 2100 + '">x</a>'
    with pytest.raises(ValueError, match=r"^html: URL is over 2000 bytes"):
        mime.build(_email(html=html, tracking=_tracking()), NOW)
