"""Signed tracking tokens: round trips, tampering, key rotation, expiry and hostile input."""

from __future__ import annotations

import base64
import hmac
import random
import string

import pytest

from chalicelib.sending.rules import tokens as tt
from chalicelib.sending.rules.tokens import TokenClaims, TokenKeys

NOW = 1_715_000_000
LATER = NOW + 30 * 86_400
KEYS = TokenKeys({"k1": b"1" * 32}, "k1")
URL = "https://acme.test/pricing?plan=pro&utm_source=email#top"
CLAIMS = [
    TokenClaims("open", "ten_abc", "msg_01", LATER),
    TokenClaims("click", "ten_abc", "msg_01", LATER, link_index=7, url=URL),
    TokenClaims("unsubscribe", "ten_abc", "msg_01", LATER),
    TokenClaims("open", "ten_abc", "msg_01", LATER, sent_at=NOW - 5),
    TokenClaims("click", "ten_abc", "msg_01", LATER, link_index=7, url=URL, sent_at=NOW - 5),
]


def _raw(token: str) -> bytes:
    return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))


def _token(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _id(claims: TokenClaims) -> str:
    return claims.kind + ("" if claims.sent_at is None else "+sent")


@pytest.mark.parametrize("claims", CLAIMS, ids=_id)
def test_each_kind_round_trips(claims):
    token = tt.encode(claims, KEYS)
    assert set(token) <= set(string.ascii_letters + string.digits + "-_")
    assert tt.decode(token, KEYS, NOW) == claims


def test_unicode_ids_and_urls_round_trip():
    claims = TokenClaims("click", "ten_ü", "msg_ß", LATER, 0, "https://bücher.test/straße?q=ä")
    assert tt.decode(tt.encode(claims, KEYS), KEYS, NOW) == claims


@pytest.mark.parametrize("claims", CLAIMS, ids=_id)
def test_changing_any_byte_invalidates_the_token(claims):
    raw = _raw(tt.encode(claims, KEYS))
    for index in range(len(raw)):
        for flip in (0x01, 0x80):
            tampered = bytearray(raw)
            tampered[index] ^= flip
            assert tt.decode(_token(bytes(tampered)), KEYS, NOW) is None, index


def test_truncated_or_extended_tokens_are_refused():
    token = tt.encode(CLAIMS[1], KEYS)
    raw = _raw(token)
    for size in range(len(raw)):
        assert tt.decode(_token(raw[:size]), KEYS, NOW) is None
    assert tt.decode(_token(raw + b"\0"), KEYS, NOW) is None
    assert tt.decode(token[:-1], KEYS, NOW) is None
    assert tt.decode(token + "A", KEYS, NOW) is None


def test_only_the_canonical_spelling_of_a_token_is_accepted():
    # given a token whose last character carries unused low bits (length not a multiple of 3)
    claims = next(
        TokenClaims("open", "ten_abc", "m" * size, LATER)
        for size in range(1, 10)
        if len(_raw(tt.encode(TokenClaims("open", "ten_abc", "m" * size, LATER), KEYS))) % 3
    )
    token = tt.encode(claims, KEYS)
    alphabet = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"
    same_bytes = [c for c in alphabet if c != token[-1] and _raw(token[:-1] + c) == _raw(token)]
    # when it is spelled with padding, the standard alphabet or other unused bits
    spellings = [token + "=", token + "==", *(token[:-1] + c for c in same_bytes)]
    spellings += [token.replace("-", "+").replace("_", "/")] if set(token) & {"-", "_"} else []
    # then only the canonical spelling decodes
    assert same_bytes and tt.decode(token, KEYS, NOW) == claims
    assert [tt.decode(spelling, KEYS, NOW) for spelling in spellings] == [None] * len(spellings)


def test_a_token_from_another_secret_is_refused():
    other = TokenKeys({"k1": b"2" * 32}, "k1")
    assert tt.decode(tt.encode(CLAIMS[0], other), KEYS, NOW) is None


def test_an_unknown_key_id_is_refused():
    other = TokenKeys({"k9": b"1" * 32}, "k9")
    assert tt.decode(tt.encode(CLAIMS[0], other), KEYS, NOW) is None


def test_rotation_keeps_old_tokens_valid_while_the_old_key_is_kept():
    # given a token signed before the rotation
    old_token = tt.encode(CLAIMS[1], KEYS)
    # when a new key becomes current, the old one kept for verification
    rotated = TokenKeys({"k1": b"1" * 32, "k2": b"2" * 32}, "k2")
    new_token = tt.encode(CLAIMS[1], rotated)
    # then both verify, new tokens name the new key, and dropping k1 retires old tokens
    assert tt.decode(old_token, rotated, NOW) == CLAIMS[1]
    assert tt.decode(new_token, rotated, NOW) == CLAIMS[1]
    assert tt.decode(new_token, KEYS, NOW) is None
    retired = TokenKeys({"k2": b"2" * 32}, "k2")
    assert tt.decode(old_token, retired, NOW) is None
    assert tt.decode(new_token, retired, NOW) == CLAIMS[1]


def test_expired_tokens_are_refused():
    token = tt.encode(TokenClaims("open", "ten_abc", "msg_01", NOW + 10), KEYS)
    assert tt.decode(token, KEYS, NOW + 9) is not None
    assert tt.decode(token, KEYS, NOW + 10) is None
    assert tt.decode(token, KEYS, NOW + 10_000) is None


def test_the_send_time_is_signed_inside_the_token_and_old_tokens_have_none():
    # given the same claims with and without the send time
    old = tt.encode(CLAIMS[1], KEYS)
    new = tt.encode(CLAIMS[4], KEYS)
    # then the new token is a version 2 token four bytes longer, both decode, and only the
    # new one says when the email was sent
    assert _raw(old)[0] == 1 and _raw(new)[0] == 2
    assert len(_raw(new)) == len(_raw(old)) + 4
    assert tt.decode(old, KEYS, NOW).sent_at is None
    assert tt.decode(new, KEYS, NOW).sent_at == NOW - 5


def test_a_token_cannot_lose_or_gain_its_send_time_without_the_key():
    # given a version 2 payload re-labelled version 1 (send time dropped), and a version 1
    # payload re-labelled version 2, each keeping its original MAC
    with_sent = _raw(tt.encode(CLAIMS[4], KEYS))
    without = _raw(tt.encode(CLAIMS[1], KEYS))
    mac = -tt.MAC_BYTES
    dropped = bytes([1]) + with_sent[1 : mac - 8] + with_sent[mac - 4 :]
    gained = bytes([2]) + without[1 : mac - 4] + (NOW - 60).to_bytes(4, "big") + without[mac - 4 :]
    # then neither is accepted
    assert tt.decode(_token(dropped), KEYS, NOW) is None
    assert tt.decode(_token(gained), KEYS, NOW) is None


@pytest.mark.parametrize("sent_at", [-1, 2**32, 1.5, "now"])
def test_a_send_time_that_is_not_32_bit_unix_seconds_is_refused(sent_at):
    with pytest.raises(ValueError, match="sent_at"):
        tt.encode(TokenClaims("open", "ten_abc", "msg_01", LATER, sent_at=sent_at), KEYS)


def test_unknown_version_or_kind_is_refused_even_when_signed():
    raw = _raw(tt.encode(CLAIMS[0], KEYS))[: -tt.MAC_BYTES]
    for payload in (bytes([3]) + raw[1:], raw[:1] + bytes([9]) + raw[2:]):
        forged = payload + hmac.digest(b"1" * 32, payload, "sha256")[: tt.MAC_BYTES]
        assert tt.decode(_token(forged), KEYS, NOW) is None


def test_fuzzed_input_never_raises():
    # given random strings, random base64url of random bytes, and mutations of a real token
    rng = random.Random(20240506)
    token = tt.encode(CLAIMS[1], KEYS)
    samples = ["", "=", "====", "a", "ab", "\x00", "é" * 10, "A" * 100_000, token * 2]
    for _ in range(2000):
        size = rng.randrange(0, 200)
        samples.append("".join(rng.choice(string.printable + "é€\U0001f600") for _ in range(size)))
        samples.append(_token(rng.randbytes(size)))
        mutated = list(token)
        mutated[rng.randrange(len(mutated))] = rng.choice(string.ascii_letters + "-_=+/")
        samples.append("".join(mutated))
    # when each is decoded, then nothing raises and nothing forged is accepted
    results = [tt.decode(sample, KEYS, NOW) for sample in samples]
    assert all(result is None or result == CLAIMS[1] for result in results)


def test_non_string_input_is_refused_without_raising():
    for value in (None, b"abc", 123, ["x"]):
        assert tt.decode(value, KEYS, NOW) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox",
        "/relative/path",
        "//evil.test/x",
        "mailto:a@b.test",
        "ftp://files.test/x",
        "https:evil.test",
        "https:///evil.test",
        " https://acme.test",
        "https://acme.test/\r\nLocation: https://evil.test",
        "https://acme.test/\x00",
        "https://acme.test/" + "a" * 2000,
        "",
    ],
)
def test_only_absolute_http_urls_can_be_signed(url):
    with pytest.raises(ValueError):
        tt.encode(TokenClaims("click", "ten_abc", "msg_01", LATER, 0, url), KEYS)


@pytest.mark.parametrize(
    "url",
    [
        "https://acme.test/a%2Fb?next=%68ttps%3A%2F%2Fevil.test&x=%20y",
        "https://acme.test/%252e%252e/admin",
        "https://acme.test/path;param?q=a+b&r=%E2%82%AC#frag%20ment",
        "HTTP://ACME.TEST/Case",
        "https://user@acme.test:8443/x",
        "https://acme.test/" + "a" * 1981,  # exactly 2000 bytes
    ],
)
def test_urls_are_signed_byte_for_byte_without_normalising(url):
    claims = TokenClaims("click", "ten_abc", "msg_01", LATER, 3, url)
    decoded = tt.decode(tt.encode(claims, KEYS), KEYS, NOW)
    assert decoded is not None and decoded.url == url


@pytest.mark.parametrize(
    "claims",
    [
        TokenClaims("bounce", "ten_abc", "msg_01", LATER),
        TokenClaims("open", "", "msg_01", LATER),
        TokenClaims("open", "ten_abc", "m" * 256, LATER),
        TokenClaims("open", "ten_abc", "msg_01", -1),
        TokenClaims("open", "ten_abc", "msg_01", 2**32),
        TokenClaims("open", "ten_abc", "msg_01", LATER, link_index=1),
        TokenClaims("unsubscribe", "ten_abc", "msg_01", LATER, url=URL),
        TokenClaims("click", "ten_abc", "msg_01", LATER, link_index=None, url=URL),
        TokenClaims("click", "ten_abc", "msg_01", LATER, link_index=65_536, url=URL),
    ],
)
def test_bad_claims_are_refused_at_encode_time(claims):
    with pytest.raises(ValueError):
        tt.encode(claims, KEYS)


@pytest.mark.parametrize(
    ("secrets", "current"),
    [
        ({"k1": b"short"}, "k1"),
        ({"k1": "not bytes" * 8}, "k1"),
        ({"bad id!": b"1" * 32}, "bad id!"),
        ({"k" * 17: b"1" * 32}, "k" * 17),
        ({"k1": b"1" * 32}, "k2"),
    ],
)
def test_key_sets_are_checked(secrets, current):
    with pytest.raises(ValueError):
        TokenKeys(secrets, current)


def test_keys_never_show_their_secrets():
    keys = TokenKeys({"k1": b"s3cret-s3cret-s3cret-s3cret-s3cret"}, "k1")
    assert "s3cret" not in repr(keys) and "k1" in repr(keys)


def test_tokens_stay_short_enough_for_a_link():
    claims = TokenClaims("click", "ten_01hz8x9k2m3n4p5q6r7s", "msg_01hz8x9k2m3n4p5q6r7s", LATER, 12,
                         "https://acme.test/blog/2024/05/a-post?utm_source=email")  # fmt: skip
    assert len(tt.encode(claims, KEYS)) < 200
    sent = TokenClaims(**{**claims.__dict__, "sent_at": NOW})
    assert len(tt.encode(sent, KEYS)) <= len(tt.encode(claims, KEYS)) + 6
