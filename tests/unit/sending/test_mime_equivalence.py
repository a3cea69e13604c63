"""``mime.build`` (written directly) against ``mime_oracle.build_reference`` (the stdlib
``email`` build it replaced, kept as the oracle): for a few hundred generated messages, both
parse to the same header fields
and decoded values (where they differ, the stdlib folder lost or added a space and the fast
value is exactly the given one) and the same body parts, the fast output keeps RFC 5322 line
rules, and dkimpy verifies its signature. ``html_to_text`` is checked against the
implementation it replaced, kept below."""

from __future__ import annotations

import base64
import dataclasses
import html as html_lib
import random
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from chalicelib.mail.text import html_to_text
from chalicelib.sending.mime import build as mime
from chalicelib.sending.mime import fields as mime_fast
from chalicelib.sending.rules import tokens as tracking_tokens
from tests.unit.sending.mime_oracle import build_reference

NOW = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
DOMAIN, SELECTOR = "acme.test", "pm1"
MESSAGES = 320


@pytest.fixture(scope="module")
def key() -> tuple[str, Callable[..., bytes | None]]:
    """(private key PEM, dnsfunc serving its public key) for an RSA-2048 DKIM key."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")
    der = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(der)

    def lookup(name: bytes, timeout: int = 5) -> bytes | None:
        return record if name == f"{SELECTOR}._domainkey.{DOMAIN}.".encode() else None

    return pem, lookup


# --- generated messages -------------------------------------------------------------------

WORDS = ["quick", "idea", "for", "Globex", "Q3", "pipeline", "re:", "(draft)", "a,b", "x.y"]
UNICODE_WORDS = ["Grüße", "Köln", "—", "naïve", "日本語", "🚀", "Zoë", "«ok»", "ﬁx", "e\u0301"]
NAMES = [
    "",
    "Acme Sales",
    "Sam from Acme",
    "Acme, Inc.",
    'Ann "the boss" O\'Neil',
    "back\\slash",
    "Ann (CEO)",
    "  Acme   Sales  ",
    "x\ty",
    "Zoë Müller, CEO",
    "山田 太郎",
    "Zoë " * 20,
    "Long ASCII display name " * 5,
]
ADDRESSES = [
    "ann@example.test",
    "ann.lee+tag@example.test",
    "ann@bücher.example",
    "ANN@EXAMPLE.TEST",
    "jörg@bücher.example",
    "日本@example.test",
    "a@b@example.test",
]
LINES = [
    "Hello Ann,",
    "",
    ".",
    ". leading dot",
    "..two dots",
    "trailing spaces   ",
    "trailing tab\t",
    "From the start",
    "a = b, 50% off =?utf-8?q?x?=",
    "Grüße aus Köln — 日本語 🚀",
    "long " * 40,
    "x" * 1200,
    "https://acme.test/" + "p" * 150 + "?a=1&b=2",
    "\tindented",
]
BREAKS = ["\n", "\r\n", "\r"]


def _words(rng: random.Random, count: int, unicode: bool) -> str:
    pool = WORDS + (UNICODE_WORDS if unicode else [])
    return rng.choice([" ", "  ", "\t"]).join(rng.choice(pool) for _ in range(count))


def _subject(rng: random.Random) -> str:
    kind = rng.randrange(7)
    if kind == 0:
        return _words(rng, rng.randrange(1, 6), unicode=False)
    if kind == 1:
        return _words(rng, rng.randrange(15, 40), unicode=False) + rng.choice(["", "  "])
    if kind == 2:
        return "See https://acme.test/" + "w" * rng.randrange(60, 400) + " today"  # long word
    if kind == 3:
        return _words(rng, rng.randrange(1, 30), unicode=True)
    if kind == 4:
        return rng.choice(["", " ", "  padded  ", "\ttab"])
    if kind == 5:
        return "🚀" * rng.randrange(1, 60)  # 4-byte characters across encoded words
    return rng.choice(UNICODE_WORDS) + " " + "y" * rng.randrange(70, 120)


def _text(rng: random.Random) -> str:
    lines = [rng.choice(LINES) for _ in range(rng.randrange(0, 12))]
    text = "".join(line + rng.choice(BREAKS) for line in lines)
    return text if rng.random() < 0.8 else text.rstrip("\r\n")


def _html(rng: random.Random) -> str:
    blocks = []
    for _ in range(rng.randrange(1, 8)):
        text = html_lib.escape(rng.choice(LINES))
        link = f'<a href="https://acme.test/{rng.randrange(99)}?a=1&amp;b=2">{text}</a>'
        blocks.append(rng.choice([f"<p>{text}</p>", f"<div>{link}</div>", f"{text}<br/>"]))
    body = rng.choice(BREAKS).join(blocks)
    if rng.random() < 0.5:
        return f"<html><head><title>T</title><style>p{{}}</style></head><body>{body}</body></html>"
    return body


def _headers(rng: random.Random) -> dict[str, str]:
    choices = {
        "X-Campaign": "cmp_" + str(rng.randrange(1000)),
        "X-Long": _words(rng, 40, unicode=False) + rng.choice(["", " \t"]),
        "X-Unicode": _words(rng, 8, unicode=True),
        "X-Token": "t" * rng.randrange(80, 600),
        "X-Empty": rng.choice(["", "   "]),
        "x-lower-case": "v",
    }
    names = rng.sample(sorted(choices), rng.randrange(0, 4))
    return {name: choices[name] for name in names}


def _tracking(rng: random.Random) -> mime.Tracking | None:
    if rng.random() < 0.7:
        return None
    keys = tracking_tokens.TokenKeys({"k1": b"k" * 32}, "k1")
    return mime.Tracking("https://t.acme.test", "ten_1", keys, 1_900_000_000)


def _message(rng: random.Random, index: int) -> mime.OutgoingEmail:
    shape = rng.choice(["html", "text", "both"])
    bulk = rng.random() < 0.5
    return mime.OutgoingEmail(
        message_id=f"msg_{index:04d}",
        from_address=rng.choice(["sales@acme.test"] * 6 + ["sälj@acme.test", "s@bücher.example"]),
        from_name=rng.choice(NAMES),
        to=rng.choice(ADDRESSES) if rng.random() < 0.5 else "ann@example.test",
        subject=_subject(rng),
        html=None if shape == "text" else _html(rng),
        text=None if shape == "html" else _text(rng),
        reply_to=rng.choice([None, None, None, "reply@acme.test", "réponse@acme.test"]),
        headers=_headers(rng),
        sending_domain=rng.choice([DOMAIN, "Acme.Test."]),
        bounce_domain="bounces.acme.test",
        unsubscribe_url="https://t.acme.test/u/" + "u" * rng.randrange(10, 300) if bulk else None,
        unsubscribe_mailto=rng.choice([None, "unsub@acme.test"]) if bulk else None,
        bulk=bulk,
        postal_address="Acme Inc\n1 Main St, Springfield" if bulk else None,
        tracking=_tracking(rng),
    )


def _messages() -> Iterator[mime.OutgoingEmail]:
    rng = random.Random(5322)
    for index in range(MESSAGES):
        yield _message(rng, index)


# --- comparison ---------------------------------------------------------------------------


def _parse(raw: bytes) -> EmailMessage:
    return BytesParser(policy=default).parsebytes(raw)


def _split_display_name(msg: EmailMessage) -> bool:
    """Whether From carries its display name in more than one encoded word. CPython's parser
    keeps the folding space between two encoded words of a phrase, where RFC 2047 (and mail
    clients) drop it, and the stdlib folder loses or adds a space in such names; so the fast
    name is checked against the given one, decoded as RFC 2047 says."""
    return len(re.findall(r"=\?utf-8\?[bq]\?", dict(msg.raw_items())["From"])) > 1


def _fields(msg: EmailMessage) -> list[tuple[str, str]]:
    """(name, decoded value) of each field; the random Message-ID token and boundary out,
    and From when its display name is split over encoded words (compared on its own).
    Leading whitespace is folding, not value: the stdlib may fold right after the colon,
    which CPython's parser then keeps as a leading space."""
    fields = []
    for name, value in msg.items():
        text = str(value).lstrip(" \t")
        if name == "From" and _split_display_name(msg):
            text = value.addresses[0].addr_spec
        elif name == "Message-ID":
            text = re.sub(r"\.[0-9a-f]{16}@", ".TOKEN@", text)
        elif name == "Content-Type":
            text = re.sub(r'boundary="=_pm_[0-9a-f]{24}"', "boundary=B", text)
        fields.append((name, text))
    return fields


def _mailboxes(msg: EmailMessage) -> dict[str, list[tuple[str, str]]]:
    return {
        name: [(box.display_name, box.addr_spec) for box in msg[name].addresses]
        for name in ("From", "To", "Reply-To")
        if msg[name] is not None and not (name == "From" and _split_display_name(msg))
    }


def _rfc2047_display_name(msg: EmailMessage) -> str:
    """From's display name as RFC 2047 decodes the base64 words ``mime_fast`` writes."""
    phrase = dict(msg.raw_items())["From"].rpartition("<")[0]
    words = re.findall(r"=\?utf-8\?b\?([A-Za-z0-9+/=]*)\?=", phrase)
    return b"".join(base64.b64decode(word) for word in words).decode("utf-8")


def _parts(msg: EmailMessage) -> list[tuple[str, str, str]]:
    """(content type, quoted-printable payload, decoded content) of each leaf part."""
    leaves = list(msg.iter_parts()) if msg.is_multipart() else [msg]
    return [(p.get_content_type(), p.get_payload(), p.get_content()) for p in leaves]


def _assert_wire_format(raw: bytes, smtputf8: bool) -> None:
    """CRLF only, lines within 998 octets, header lines within 78 unless one word is longer,
    and ASCII throughout unless SMTPUTF8 allows raw UTF-8 in the header."""
    assert raw.endswith(b"\r\n")
    assert b"\r" not in raw.replace(b"\r\n", b"") and b"\n" not in raw.replace(b"\r\n", b"")
    lines = raw.split(b"\r\n")[:-1]
    assert max(len(line) for line in lines) <= 998
    head, body = raw.split(b"\r\n\r\n", 1)
    assert body.isascii()
    assert smtputf8 or head.isascii()
    for line in head.split(b"\r\n"):
        assert len(line) <= 78 or len(line.split()) <= 2, line  # name and one long word
        assert line.strip(b" \t"), "a header line of whitespace only"


def _assert_same_fields(
    email: mime.OutgoingEmail, got: EmailMessage, expected: EmailMessage
) -> int:
    """Same names in the same order, same decoded values; where a value differs, the fast
    one must be exactly the given text: the stdlib folder drops a space next to an encoded
    word at times (e.g. "for  🚀" written as "for 🚀"). How many values differed."""
    given = {"Subject": email.subject, **email.headers}
    fast, reference = _fields(got), _fields(expected)
    assert [name for name, _ in fast] == [name for name, _ in reference]
    differing = [name for (name, a), (_, b) in zip(fast, reference, strict=True) if a != b]
    for name in differing:
        assert name in given and dict(fast)[name] == given[name].lstrip(" \t"), name
    return len(differing)


def _assert_equivalent(email: mime.OutgoingEmail, reference_build: Callable) -> tuple[bytes, int]:
    """The fast bytes, and how many field values the stdlib folder got wrong."""
    fast, fast_from, fast_utf8 = mime.build(email, NOW)
    reference, ref_from, ref_utf8 = reference_build(email, NOW)
    assert (fast_from, fast_utf8) == (ref_from, ref_utf8)
    _assert_wire_format(fast, fast_utf8)
    got, expected = _parse(fast), _parse(reference)
    repaired = _assert_same_fields(email, got, expected)
    assert _mailboxes(got) == _mailboxes(expected)
    if _split_display_name(got):
        assert _rfc2047_display_name(got) == email.from_name
        repaired += _rfc2047_display_name(got) != _rfc2047_display_name(expected)
    assert _parts(got) == _parts(expected)
    assert not got.defects and all(not part.defects for part in got.walk())
    return fast, repaired


def test_generated_messages_match_the_stdlib_build(key):
    # given generated messages
    reference_build = build_reference
    pem, dnsfunc = key
    repaired = 0
    for count, email in enumerate(_messages()):
        # when both build it, then they agree, and dkimpy verifies the fast one
        fast, wrong_in_reference = _assert_equivalent(email, reference_build)
        repaired += wrong_in_reference
        if count % 4 == 0:  # dkimpy verifies in pure Python: a quarter of them is plenty
            assert dkim.verify(mime.sign(fast, DOMAIN, SELECTOR, pem), dnsfunc=dnsfunc)
    # the stdlib folder's whitespace slips stay the exception
    assert repaired < MESSAGES // 10


def _decoded(raw: bytes, name: str) -> str:
    """A field's value as a mail reader decodes it (RFC 2047 words joined as they should be)."""
    value = dict(_parse(raw).raw_items())[name]
    words = re.findall(r"=\?utf-8\?b\?([A-Za-z0-9+/=]*)\?=", value)
    return b"".join(base64.b64decode(word) for word in words).decode("utf-8")


@pytest.mark.parametrize(
    ("changes", "field", "given"),
    [
        pytest.param(
            {"subject": "Re: =?utf-8?q?caf=C3=A9?="},
            "Subject",
            "Re: =?utf-8?q?caf=C3=A9?=",
            id="encoded-word-lookalike",
        ),
        pytest.param({"subject": "a\x01b\x7f"}, "Subject", "a\x01b\x7f", id="control-character"),
        pytest.param({"from_name": "A\x7fB"}, "From", "A\x7fB", id="control-in-display-name"),
        pytest.param({"subject": "y" * 990}, "Subject", "y" * 990, id="word-over-998-with-name"),
        pytest.param({"subject": " " * 1000}, "Subject", " " * 1000, id="spaces-over-998"),
        pytest.param(
            {"headers": {"X-Note": "keep =?this?= as is"}},
            "X-Note",
            "keep =?this?= as is",
            id="custom-header-lookalike",
        ),
    ],
)
def test_values_the_stdlib_rewrote_are_encoded_words_that_decode_to_the_given_text(
    key, changes, field, given
):
    # given a value the stdlib build rewrote in ways of its own (decoded "=?" sequences,
    # dropped characters), when the builder writes it, then a reader decodes exactly it
    email = dataclasses.replace(next(_messages()), **changes)
    built, _, smtputf8 = mime.build(email, NOW)
    _assert_wire_format(built, smtputf8)
    assert _decoded(built, field) == given
    pem, dnsfunc = key
    assert dkim.verify(mime.sign(built, DOMAIN, SELECTOR, pem), dnsfunc=dnsfunc)


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"subject": "a\x0b"}, id="vertical-tab-the-stdlib-kept"),
        pytest.param({"subject": "a\x1cb"}, id="file-separator"),
        pytest.param({"from_name": "A\x85B"}, id="next-line"),
        pytest.param({"headers": {"Resent-Date": "Mon, 6 May 2024 07:08:09 +0000"}}, id="date"),
        pytest.param({"headers": {"Cc": "Bob <bob@example.test>"}}, id="address-field"),
        pytest.param({"headers": {"Sender": "bob@example.test"}}, id="sender"),
    ],
)
def test_the_builder_refuses_line_breaks_and_fields_readers_parse(changes):
    email = dataclasses.replace(next(_messages()), **changes)
    with pytest.raises(ValueError):
        mime.build(email, NOW)


@pytest.mark.parametrize(
    "changes",
    [
        {"subject": "Hi\r\nBcc: victim@example.test"},
        {"subject": "Hi\u2028there"},
        {"from_name": "Acme\nX"},
        {"headers": {"X-Tag": "a\x0cb"}},
        {"headers": {"X-Tag": "a\0b"}},
        {"to": "Ann <ann@example.test>"},
    ],
)
def test_both_paths_refuse_the_same_values(changes):
    email = dataclasses.replace(next(_messages()), **changes)
    with pytest.raises(ValueError):
        build_reference(email, NOW)
    with pytest.raises(ValueError):
        mime.build(email, NOW)


@pytest.mark.parametrize(
    "now",
    [
        datetime(2024, 5, 6, 7, 8, 9),  # naive: taken as UTC
        datetime(2024, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
        datetime(2024, 2, 29, 1, 2, 3, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        datetime(2024, 1, 7, 0, 0, 0, tzinfo=timezone(timedelta(hours=-8))),
    ],
)
def test_date_field_matches_the_stdlib(now):
    email = next(_messages())
    fast = _parse(mime.build(email, now)[0])["Date"]
    assert str(fast) == str(_parse(build_reference(email, now)[0])["Date"])
    assert fast.datetime == (now if now.tzinfo else now.replace(tzinfo=UTC)).replace(microsecond=0)


def test_same_body_bytes_as_the_stdlib_generator(monkeypatch):
    # given fixed random tokens, the body (everything after the header) is byte-identical
    monkeypatch.setattr(mime.secrets, "token_hex", lambda size: "cd" * size)
    for email in list(_messages())[:60]:
        fast = mime.build(email, NOW)[0].split(b"\r\nMIME-Version: 1.0\r\n", 1)[1]
        reference = build_reference(email, NOW)[0]
        assert fast == reference.split(b"\r\nMIME-Version: 1.0\r\n", 1)[1]


# --- encoded words and folding ------------------------------------------------------------


@pytest.mark.parametrize("text", ["Grüße " * 30, "🚀" * 50, "e\u0301" * 80, "日本語" * 40, "ü"])
@pytest.mark.parametrize("name", ["Subject", "X-A-Rather-Long-Custom-Header-Name-Here"])
def test_encoded_words_hold_whole_characters_and_fit_the_line(name, text):
    folded = mime_fast.field(name, text, utf8=False)
    lines = folded.removesuffix("\r\n").split("\r\n")
    assert all(len(line) <= 78 for line in lines)
    words = re.findall(r"=\?utf-8\?b\?([A-Za-z0-9+/=]*)\?=", folded)
    assert all(len(word) + 12 <= 75 for word in words)
    assert "".join(base64.b64decode(word).decode("utf-8") for word in words) == text


def test_folding_only_adds_crlf_before_whitespace():
    value = "  lead " + " ".join(f"word{n}\t" for n in range(40)) + "x" * 200 + " tail  "
    folded = mime_fast.field("Subject", value, utf8=False)
    assert folded.removesuffix("\r\n").replace("\r\n", "") == f"Subject: {value}"
    assert all(line[:1] in (" ", "\t") for line in folded.split("\r\n")[1:-1])


@pytest.mark.parametrize(("text", "utf8"), [("z" * 990, False), ("ü" * 500, True)])
def test_a_word_that_cannot_fit_998_octets_is_written_as_encoded_words(text, utf8):
    folded = mime_fast.field("Subject", text, utf8=utf8)
    assert all(len(line) <= 78 for line in folded.split("\r\n"))
    words = re.findall(r"=\?utf-8\?b\?([A-Za-z0-9+/=]*)\?=", folded)
    assert "".join(base64.b64decode(word).decode("utf-8") for word in words) == text


def test_a_literal_field_that_cannot_fit_998_octets_is_refused():
    with pytest.raises(mime_fast.TooLong):
        mime_fast.literal("List-Unsubscribe", "<https://t.acme.test/u/" + "z" * 990 + ">")


# --- html_to_text against the implementation it replaced ----------------------------------


class _PreviousTextExtractor:
    """``mime._TextExtractor`` before it was sped up (one regex match per markup start)."""

    ATTRIBUTE = re.compile(
        r"""([^\t\n\r\f />=][^\t\n\r\f />=]*+)"""
        r"""(?:[\t\n\r\f ]*+=[\t\n\r\f ]*+("[^"]*+"|'[^']*+'|[^\t\n\r\f >]*+))?+"""
    )
    MARKUP = re.compile(
        r"<!--.*?(?:-->|\Z)|<![^>]*+>|<\?[^>]*+>"
        r"|<(/?)([a-zA-Z][a-zA-Z0-9:-]*+)(?=[\t\n\r\f />])((?:[^>\"']++|\"[^\"]*+\"|'[^']*+')*+)>",
        re.DOTALL,
    )
    MARKUP_START = re.compile(r"<(?:/?[a-zA-Z][a-zA-Z0-9:-]*+[\t\n\r\f />]|[!?])")
    SELF_CLOSING = re.compile(r"(?:\A|[\t\n\r\f \"'])/[\t\n\r\f ]*\Z")
    BLOCKS = frozenset(
        "p div br li tr h1 h2 h3 h4 h5 h6 table ul ol hr pre blockquote section article".split()
    )
    CELLS = frozenset({"td", "th"})
    HIDDEN = frozenset({"script", "style", "head", "title"})
    RAW_TEXT_END = {
        name: re.compile(rf"</[\t\n\r\f ]*{name}[\t\n\r\f ]*>", re.IGNORECASE)
        for name in ("script", "style")
    }

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.hidden = 0
        self.links: list[tuple[str | None, int]] = []

    def feed(self, html: str) -> None:
        at = 0
        while (found := self.MARKUP_START.search(html, at)) is not None:
            self.data(html[at : found.start()])
            markup = self.MARKUP.match(html, found.start())
            if markup is None:
                at = found.start()
                break
            at = markup.end()
            if markup.group(2) is not None:
                at = self.tag(html, at, *markup.groups())
        self.data(html[at:])

    def tag(self, html: str, at: int, slash: str, name: str, attributes: str) -> int:
        name = name.lower()
        if slash:
            self.end(name)
            return at
        self.start(name, self.ATTRIBUTE.finditer(attributes) if name == "a" else iter(()))
        if self.SELF_CLOSING.search(attributes):
            self.end(name)
        elif name in ("script", "style"):
            end = self.RAW_TEXT_END[name].search(html, at)
            return len(html) if end is None else end.start()
        return at

    def start(self, name: str, attributes: Iterator[re.Match[str]]) -> None:
        if name in self.HIDDEN:
            self.hidden += 1
        elif name in self.BLOCKS:
            self.parts.append("\n")
        elif name in self.CELLS:
            self.parts.append(" ")
        elif name == "a":
            found: dict[str, str | None] = {}
            for attribute in attributes:
                value = attribute.group(2)
                if value is not None:
                    value = html_lib.unescape(value[1:-1] if value[:1] in "'\"" else value)
                found[attribute.group(1).lower()] = value
            self.links.append((found.get("href"), len(self.parts)))

    def end(self, name: str) -> None:
        if name in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif name in self.BLOCKS:
            self.parts.append("\n")
        elif name in self.CELLS:
            self.parts.append(" ")
        elif name == "a" and self.links:
            href, start = self.links.pop()
            label = "".join(self.parts[start:]).strip()
            if href and not href.startswith(("#", "javascript:")) and href != label:
                self.parts.append(f" ({href})")

    def data(self, data: str) -> None:
        if data and not self.hidden:
            self.parts.append(html_lib.unescape(data) if "&" in data else data)


def _previous_html_to_text(html: str) -> str:
    parser = _PreviousTextExtractor()
    parser.feed(html)
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


HTML_PIECES = [
    "<p>", "</p>", "<br>", "<br/>", "<br />", "<P class=x>", "<div>", "</DIV>", "<li>", "<ul>",
    "<a href='https://x.test/?a=1&amp;b=2'>", "<a href=https://y.test/>", "<A HREF=\"#top\">",
    "<a>", "</a>", "<a href='javascript:void(0)'>", "<a href=\"u\" href=\"v\">", "<a/>",
    "<a href=\"https://z.test/?q=1&amp;r=2\">", "<a href=\"\">", "<a href=\"p\"/>",
    "<script>", "</script>", "<SCRIPT type=x>", "<script/>", "</script >", "<style>",
    "</style>", "<head>", "</head>", "<title>", "</title>", "<!-- c -->", "<!--", "-->",
    "<!doctype html>", "<?php x ?>", "<", "< p>", "</ >", "<b", "<i title='a>b'>", ">", "\"",
    "'", "&amp;", "&nbsp;", "&middot;", "&am", "p;", "&#106;", "&#x1F680;", "text", " ", "  ",
    "\t", "\n", "\r\n", "\r", "\x0b", "\x1c", "\x1f", "\x85", "\u2028", "\u3000", "\xa0", "é",
    "🚀", "word word", "https://x.test/?a=1&b=2", "<td>", "<table>", "</tr>", "<h1>", "</h6>",
    "<th>", "</td>", "<hr/>", "<pre>", "</blockquote>", "<o:p>", "<my-el>", "<msg_1.ab@x.test>",
    "<b\x1c>", "<x\x00>",
]  # fmt: skip


def test_html_to_text_matches_the_previous_implementation():
    rng = random.Random(2045)
    for _ in range(4000):
        html = "".join(rng.choice(HTML_PIECES) for _ in range(rng.randrange(0, 40)))
        assert html_to_text(html) == _previous_html_to_text(html), html
    for email in _messages():
        if email.html is not None:
            assert html_to_text(email.html) == _previous_html_to_text(email.html)
