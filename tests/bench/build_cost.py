"""Build cost: the per-message CPU time from template to signed bytes, stage by stage.

One realistic cold email (about 4 KB of HTML, 8 links, two variables, bulk footer) goes
through the path every send takes: render (``templating.render_message``), then
``mime.build`` with ``mime.Tracking`` as the send worker calls it (a signed token per link
and the open pixel, the text part, headers, quoted-printable bodies: links are scanned once),
then DKIM-2048 (``DkimSigner``, the key loaded once). Each stage is timed on its own,
in-process, after a warm-up; the tracking rewrite alone (``tracking_links.rewrite_html``) is
timed apart to show its share, and is not added to the total. The total's ratio to a bare
RSA-2048 signature (the floor of any DKIM-2048 signer, same run) is the headline. For
comparison: dkimpy's pure-Python ``dkim.sign`` on the same bytes. dkimpy must verify what
the fast signer produced (exit status 1 if it does not).
No assertions on time: this only prints numbers.

Run: ``python -m tests.bench.build_cost [--runs N]`` (``make bench`` runs every bench module).
"""

from __future__ import annotations

import argparse
import base64
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

import dkim
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from chalicelib.sending.mime import build as mime
from chalicelib.sending.mime import links as tracking_links
from chalicelib.sending.mime.dkim import DkimSigner
from chalicelib.sending.rules.tokens import TokenKeys
from chalicelib.templates.rules import rendering as templating

DOMAIN, SELECTOR = "acme.test", "pm20240506"
NOW = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
VARIABLES = {"first_name": "Ann", "company": "Globex"}
SUBJECT = "{{ first_name }}, a quick idea for {{ company }}"
PARAGRAPH = (
    '<p style="font-family:Arial,sans-serif;font-size:15px;line-height:1.5;color:#222">'
    "We help teams like {{ company }} cut the time spent on outbound by half. Most of our "
    'customers start with <a href="https://acme.test/guide?utm_source=email&amp;utm_medium='
    'cold&amp;step={n}">our short guide</a>, then book a call when it fits. No pressure, '
    "and no long forms to fill in either: a reply is enough, and we take it from there.</p>\n"
)
SIGNATURE = (
    '<table role="presentation" cellpadding="0" cellspacing="0" style="margin-top:16px">'
    '<tr><td style="padding-right:12px;border-right:2px solid #0a66c2">'
    "<strong>Sam Carter</strong><br>Head of Partnerships, Acme</td>"
    '<td style="padding-left:12px;font-size:13px;color:#555">+1 555 0100<br>'
    "acme.test &middot; 1 Main St, Springfield</td></tr></table>\n"
)
HTML = (
    '<!doctype html>\n<html><head><meta charset="utf-8"><title>Hello</title></head>\n'
    '<body style="margin:0;padding:24px;background:#fff">\n'
    "<p>Hi {{ first_name | default('there') }},</p>\n"
    + "".join(PARAGRAPH.replace("{n}", str(n)) for n in range(8))
    + '<p>Best,<br>Sam from Acme &middot; <a href="mailto:sam@acme.test">sam@acme.test</a></p>\n'
    + SIGNATURE
    + "</body></html>\n"
)
STAGES = ("render", "mime", "dkim", "total")
DKIMPY = "dkimpy dkim.sign (pure-Python RSA)"
FLOOR = "RSA-2048 sign alone (OpenSSL floor)"


def _key() -> tuple[str, bytes]:
    """(private key PEM, DNS TXT record) of a fresh RSA-2048 key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem, b"v=DKIM1; k=rsa; p=" + base64.b64encode(der)


def _email(rendered: dict[str, str | None], tracking: mime.Tracking) -> mime.OutgoingEmail:
    return mime.OutgoingEmail(
        message_id="msg_01hzbench",
        from_address="sam@acme.test",
        from_name="Sam from Acme",
        to="ann@globex.test",
        subject=rendered["subject"] or "",
        html=rendered["html"],
        text=None,
        reply_to=None,
        headers={"X-Campaign": "cmp_bench"},
        sending_domain=DOMAIN,
        bounce_domain=f"bounces.{DOMAIN}",
        unsubscribe_url=UNSUBSCRIBE,
        unsubscribe_mailto="unsub+msg_01hzbench@acme.test",
        bulk=True,
        postal_address="Acme Inc, 1 Main St, Springfield",
        tracking=tracking,
    )


UNSUBSCRIBE = "https://t.acme.test/u/" + "x" * 110


def one_message(signer: DkimSigner, tracking: mime.Tracking) -> tuple[bytes, dict[str, float]]:
    """(signed bytes, {stage: ms}) for one message, every stage timed on its own."""
    clock, ms = time.perf_counter, {}
    t0 = clock()
    rendered = templating.render_message(SUBJECT, HTML, None, VARIABLES)
    t1 = clock()
    raw, _envelope, _utf8 = mime.build(_email(rendered, tracking), NOW)
    t2 = clock()
    signed = signer.sign(raw)
    t3 = clock()
    for stage, start, end in zip(STAGES, (t0, t1, t2, t0), (t1, t2, t3, t3), strict=True):
        ms[stage] = (end - start) * 1e3
    t4 = clock()
    tracking_links.rewrite_html(
        rendered["html"] or "",
        base_url=tracking.base_url,
        make_click_token=partial(tracking.token, "msg_01hzbench", "click"),
        open_token=tracking.token("msg_01hzbench", "open"),
        skip_urls=frozenset({UNSUBSCRIBE}),
    )
    ms["track"] = (clock() - t4) * 1e3
    return signed, ms


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10, method="inclusive")[8] if values[1:] else values[0]


def _timed(call: Callable[[], Any], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1e3)
    return times


def _dnsfunc(record: bytes) -> Callable[..., bytes | None]:
    def lookup(name: bytes, timeout: int = 5) -> bytes | None:
        return record if name == f"{SELECTOR}._domainkey.{DOMAIN}.".encode() else None

    return lookup


def comparisons(pem: str, raw: bytes, runs: int) -> dict[str, list[float]]:
    """Reference timings beside the stages: dkimpy's pure-Python signer on the same bytes,
    and the bare RSA-2048 operation, the floor of any DKIM-2048 signer on this machine."""
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    few = max(5, min(runs, 200))  # dkimpy is slow: a few hundred samples are plenty
    return {
        DKIMPY: _timed(
            lambda: dkim.sign(raw, SELECTOR.encode(), DOMAIN.encode(), pem.encode(),
                              canonicalize=(b"relaxed", b"relaxed")),
            few,
        ),
        FLOOR: _timed(
            lambda: key.sign(raw[:600], padding.PKCS1v15(), hashes.SHA256()), runs
        ),
    }  # fmt: skip


def unsigned(signed: bytes) -> bytes:
    """The message without its (folded) DKIM-Signature field."""
    raw = signed.split(b"\r\n", 1)[1]
    while raw[:1] in (b" ", b"\t"):
        raw = raw.split(b"\r\n", 1)[1]
    return raw


def main(argv: list[str] | None = None) -> int:
    from tests.bench._quiet import quiet

    quiet()
    parser = argparse.ArgumentParser(prog="python -m tests.bench.build_cost", description=__doc__)
    parser.add_argument("--runs", type=int, default=2000, help="messages timed after warm-up")
    runs = max(1, parser.parse_args(argv).runs)
    pem, record = _key()
    signer = DkimSigner(DOMAIN, SELECTOR, pem)
    keys = TokenKeys({"k1": b"k" * 32}, "k1")
    tracking = mime.Tracking("https://t.acme.test", "ten_bench", keys, 1_900_000_000)
    for _ in range(max(50, runs // 20)):  # warm-up: caches, allocator, branch predictors
        signed, _ = one_message(signer, tracking)
    samples: dict[str, list[float]] = {stage: [] for stage in (*STAGES, "track")}
    for _ in range(runs):
        signed, ms = one_message(signer, tracking)
        for stage, value in ms.items():
            samples[stage].append(value)
    verified = dkim.verify(signed, dnsfunc=_dnsfunc(record))
    extra = comparisons(pem, unsigned(signed), runs)
    print_table(samples, extra, runs, len(signed))
    print(f"dkimpy verifies the fast signature: {'yes' if verified else 'NO'}")
    print_summary(samples, extra[DKIMPY], extra[FLOOR])
    return 0 if verified else 1


LABELS = {
    "render": "render (templating.render_message)",
    "mime": "tracking + MIME (mime.build with mime.Tracking)",
    "dkim": "DKIM-2048 sign (DkimSigner, cryptography)",
    "total": "total",
    "track": "  of which tracking (8 click tokens + open pixel)",
}


def _row(label: str, values: list[float]) -> str:
    return f"{label:<52}{statistics.median(values):>10.3f}{p90(values):>10.3f}"


def print_table(
    samples: dict[str, list[float]], extra: dict[str, list[float]], runs: int, size: int
) -> None:
    print(f"\nbuild cost per message, {runs} messages after warm-up, {len(HTML)} B HTML template")
    print(f"({size} B signed message), ms")
    print(f"{'stage':<52}{'median':>10}{'p90':>10}")
    for stage in STAGES:
        print(_row(LABELS[stage], samples[stage]))
        if stage == "mime":
            print(_row(LABELS["track"], samples["track"]))
    print("for comparison:")
    for label, values in extra.items():
        print(_row(label, values))


def print_summary(samples: dict[str, list[float]], dkimpy: list[float], floor: list[float]) -> None:
    total = samples["total"]
    ratio = statistics.median(total) / statistics.median(floor)
    print(
        "build cost per message (4 KB HTML, render+track+MIME+DKIM-2048): "
        f"median {statistics.median(total):.3f} ms, p90 {p90(total):.3f} ms, "
        f"{ratio:.2f}x the RSA-2048 floor (goal <= 2x); "
        f"dkimpy pure-Python sign {statistics.median(dkimpy):.2f} ms"
    )


if __name__ == "__main__":
    sys.exit(main())
