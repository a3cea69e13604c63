"""Issue 5's tracking half on the running platform: the links in a sent email are signed
tracking URLs on the local front door; opening the pixel and following a link record
events, a scanner is flagged, a tampered click never redirects, and a POST to the
``List-Unsubscribe`` URL suppresses the address. A click one second after sending is a
machine, one a minute later a person.

The platform's clock is the machine's (its time scale moves schedules and retries, not the
app's clock) and waiting a minute is not a test: a person's hit "a minute after sending"
follows the email's own link re-signed, with the local stack's tracking key, with a send
time a minute back (``_as_if_sent``), after the test checked that the real token carries
the email's build time."""

from __future__ import annotations

import email
import email.policy
import re
import time
import uuid

import requests

from tests.integration.conftest import eventually

FINAL = {"sent", "bounced", "failed", "suppressed"}


def _tracking_keys(platform):
    """The local stack's token keys, read from the secret the app reads them from."""
    from chalicelib.sending.rules.tokens import load_keys

    secret = platform.aws("secretsmanager").get_secret_value(
        SecretId="penguinmails/local/tracking-keys"
    )
    return load_keys(secret["SecretString"])


def _at(timeline, status):
    from datetime import datetime

    stamp = next(e["at"] for e in timeline if e["status"] == status)
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def _as_if_sent(url, keys, seconds_ago):
    """``url`` (a pixel or click link of a sent email) with its token's claims signed again
    with a send time ``seconds_ago`` before now."""
    import dataclasses

    from chalicelib.sending.rules.tokens import decode, encode

    base, _, token = url.rpartition("/")
    claims = decode(token, keys, int(time.time()))
    moved = dataclasses.replace(claims, sent_at=int(time.time()) - seconds_ago)
    return f"{base}/{encode(moved, keys)}"


def _sent_email(platform, key: str, to: str) -> tuple[str, email.message.EmailMessage]:
    reply = platform.request(
        "POST",
        "/v1/messages",
        key,
        json={
            "from": "alice@demo.test",
            "to": to,
            "subject": "Tracking",
            "html": '<p><a href="https://example.com/offer?x=1">offer</a></p>',
        },
    )
    assert reply.status_code == 202, reply.text
    message_id = reply.json()["id"]
    eventually(lambda: platform.get(f"/v1/messages/{message_id}", key).json()["status"] in FINAL)

    def stored():
        items = platform.get(f"/local/smtp/messages?to={to}").json()["items"]
        return items[0] if items else None

    raw = eventually(stored)["raw"]
    return message_id, email.message_from_string(raw, policy=email.policy.default)


def test_pixel_click_scanner_tamper_and_one_click_unsubscribe(platform):
    key, to = platform.demo_key, f"reader-{uuid.uuid4().hex[:8]}@example.test"
    message_id, parsed = _sent_email(platform, key, to)
    html = parsed.get_body(("html",)).get_content()
    click = re.search(r'href="(http://127\.0\.0\.1:\d+/t/c/[^"]+)"', html).group(1)
    pixel = re.search(r'src="(http://127\.0\.0\.1:\d+/t/o/[^"]+)"', html).group(1)
    # the reader opens and clicks a minute after sending: the pixel always answers, the
    # click redirects to the signed destination
    keys = _tracking_keys(platform)
    opened = requests.get(
        _as_if_sent(pixel, keys, 60), timeout=10, headers={"User-Agent": "Mozilla/5.0 (Macintosh)"}
    )
    assert opened.status_code == 200 and opened.content.startswith(b"GIF89a")
    browser = {"User-Agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15"}
    followed = requests.get(
        _as_if_sent(click, keys, 60), timeout=10, allow_redirects=False, headers=browser
    )
    assert followed.status_code == 302
    assert followed.headers["Location"] == "https://example.com/offer?x=1"
    scanned = requests.get(
        click, timeout=10, allow_redirects=False, headers={"User-Agent": "Mimecast"}
    )
    assert scanned.status_code == 302

    # the consumer puts both on the message: the reader as a person, the scanner as a machine
    def engagement():
        view = platform.get(f"/v1/messages/{message_id}", key).json()["engagement"]
        done = view["opens"]["human"] >= 1 and view["clicks"]["machine"] >= 1
        return view if done and view["clicks"]["human"] >= 1 else None

    eventually(engagement, attempts=120, pause=0.5)
    # a tampered token never redirects
    tampered = click[:-3] + ("AAA" if not click.endswith("AAA") else "BBB")
    refused = requests.get(
        tampered + "?url=https://evil.example", timeout=10, allow_redirects=False
    )
    assert refused.status_code == 404 and "Location" not in refused.headers
    # one-click unsubscribe from the List-Unsubscribe header
    header = parsed["List-Unsubscribe"]
    url = re.search(r"<(http[^>]+)>", header).group(1)
    posted = requests.post(
        url,
        data="List-Unsubscribe=One-Click",
        timeout=10,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert posted.status_code == 200
    entry = platform.get(f"/v1/suppressions/{to}", key)
    assert entry.status_code == 200 and entry.json()["source"] == "unsubscribe"


def test_a_click_one_second_after_sending_is_a_machine_and_a_minute_later_a_person(platform):
    from chalicelib.sending.rules.tokens import decode

    key, to = platform.demo_key, f"timed-{uuid.uuid4().hex[:8]}@example.test"
    message_id, parsed = _sent_email(platform, key, to)
    html = parsed.get_body(("html",)).get_content()
    click = re.search(r'href="(http://127\.0\.0\.1:\d+/t/c/[^"]+)"', html).group(1)
    # the real token carries the send time: when the worker took the message up to build
    # and send it (the whole second it started in), between queueing and sending
    keys = _tracking_keys(platform)
    claims = decode(click.rpartition("/")[2], keys, int(time.time()))
    timeline = platform.get(f"/v1/messages/{message_id}", key).json()["timeline"]
    assert int(_at(timeline, "queued")) <= claims.sent_at <= _at(timeline, "sent")
    browser = {"User-Agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15"}

    def follow(seconds_after_sending):
        moved = _as_if_sent(click, keys, seconds_after_sending)
        reply = requests.get(moved, timeout=10, allow_redirects=False, headers=browser)
        assert reply.status_code == 302

    def clicks(machine, human):
        def check():
            counted = platform.get(f"/v1/messages/{message_id}", key).json()["engagement"]
            return counted["clicks"] == {"machine": machine, "human": human}

        return check

    follow(1)
    eventually(clicks(machine=1, human=0), attempts=120, pause=0.5)
    follow(60)
    eventually(clicks(machine=1, human=1), attempts=120, pause=0.5)
