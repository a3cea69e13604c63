"""The public tracking routes: the pixel always answers, a click redirects only to what a
valid token signs, a scanner is flagged, one-click unsubscribe suppresses at once, and a
storage or Kinesis outage never costs a recipient their redirect or pixel. The timing
verdicts work on what the worker sends: its tokens carry the send time (a click a second
later is a machine, a minute later a person) and the clicks table catches every link
clicked at once; a failing table never costs the redirect."""

from __future__ import annotations

import email
import email.policy
import re
import time
from datetime import UTC, datetime

import pytest

from tests.functional.outbox import stream_events

GIF = b"GIF89a"
HUMAN = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko)"
SCANNER = "Mozilla/5.0 (compatible; Mimecast URL Protect)"


def _token(kind, tenant_id="ten_abcdefghijklmnopqrst", message_id="msg_abc", **extra):
    from chalicelib.core import wiring
    from chalicelib.sending.rules.tokens import TokenClaims, encode

    claims = TokenClaims(kind, tenant_id, message_id, int(time.time()) + 3600, **extra)
    return encode(claims, wiring.get("sending.tracking_keys")())


def _get(api, path, agent=HUMAN, method="GET", body=None, headers=None):
    sent = {"User-Agent": agent, **(headers or {})}
    reply = api.client.http.request(method, path, headers=sent, body=body)
    return reply


def _events(aws, kind):
    return stream_events(aws, kind)


@pytest.mark.parametrize(
    "token", ["", "x", "garbage-token", "A" * 3000, "%2e%2e%2fetc", "<script>", "..%00"]
)
def test_the_pixel_always_answers_a_gif_and_never_caches(api, aws, token):
    reply = _get(api, f"/t/o/{token}" if token else "/t/o/-")
    assert reply.status_code == 200
    assert reply.body.startswith(GIF) and reply.headers["Content-Type"] == "image/gif"
    assert "no-store" in reply.headers["Cache-Control"]


def test_a_valid_open_records_one_event_with_the_verdict_and_a_truncated_ip(api, aws):
    message_id = "msg_opentest" + "a" * 10
    reply = _get(api, f"/t/o/{_token('open', message_id=message_id)}")
    assert reply.status_code == 200 and reply.body.startswith(GIF)
    [event] = [e for e in _events(aws, "message.opened") if e["message_id"] == message_id]
    assert event["actor"] == "human" and event["user_agent"] == HUMAN


def test_a_click_redirects_to_the_signed_url_only(api, aws):
    url = "https://example.com/pricing?a=1&b=2"
    token = _token("click", message_id="msg_clicktest", link_index=3, url=url)
    reply = _get(api, f"/t/c/{token}?url=https://evil.example/")
    assert reply.status_code == 302 and reply.headers["Location"] == url
    tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    for bad in (tampered, token[:20], _token("open"), "garbage", token + "x"):
        refused = _get(api, f"/t/c/{bad}?next=https://evil.example/")
        assert refused.status_code == 404 and "Location" not in refused.headers
    [event] = [e for e in _events(aws, "message.clicked") if e["message_id"] == "msg_clicktest"]
    assert event["url"] == url and event["link_index"] == 3


def test_a_known_scanner_is_flagged_as_machine(api, aws):
    token = _token("click", message_id="msg_scanned", link_index=0, url="https://example.com/")
    assert _get(api, f"/t/c/{token}", agent=SCANNER).status_code == 302
    [event] = [e for e in _events(aws, "message.clicked") if e["message_id"] == "msg_scanned"]
    assert event["actor"] == "machine"


def test_a_kinesis_outage_still_serves_the_pixel_and_the_redirect(api, aws):
    from chalicelib.core import wiring

    class Down:
        def publish(self, event):
            raise ConnectionError("stream unavailable")

        def publish_many(self, events):
            raise ConnectionError("stream unavailable")

    wiring.override("aws.outbox_events", Down())
    wiring.override("aws.events", Down())
    assert _get(api, f"/t/o/{_token('open')}").status_code == 200
    token = _token("click", link_index=0, url="https://example.com/x")
    assert _get(api, f"/t/c/{token}").status_code == 302


def test_one_click_unsubscribe_suppresses_at_once_and_is_idempotent(sending):  # noqa: F811
    message = sending.send("leaving@example.test")
    token = _token("unsubscribe", tenant_id=sending.tenant_id, message_id=message["id"])
    page = _get(sending.api, f"/u/{token}")
    assert page.status_code == 200 and b"<form method=post" in page.body
    assert (
        sending.api.call("GET", "/v1/suppressions/leaving@example.test", sending.key).status_code
        == 404
    )
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    for _ in range(2):
        reply = _get(
            sending.api,
            f"/u/{token}",
            method="POST",
            body="List-Unsubscribe=One-Click",
            headers=form,
        )
        assert reply.status_code == 200
    entry = sending.api.call("GET", "/v1/suppressions/leaving@example.test", sending.key)
    assert entry.status_code == 200 and entry.data["source"] == "unsubscribe"
    assert "one-click" in entry.data["reason"]
    assert (
        _get(sending.api, "/u/not-a-token", method="POST", body="x", headers=form).status_code
        == 404
    )


def _clicked(aws, message_id):
    return [e for e in _events(aws, "message.clicked") if e["message_id"] == message_id]


def _clock_in_hand():
    """One fake clock for the worker (whose ports the sending world fixed) and the routes."""
    import dataclasses

    from chalicelib.core import wiring
    from tests.fakes.core import FakeClock

    clock = FakeClock(datetime.now(UTC).replace(microsecond=0))
    send_ports = wiring.get("sending.send_ports")()
    wiring.override("core.clock", clock)
    wiring.override("sending.send_ports", dataclasses.replace(send_ports, clock=clock))
    return clock


def _sent_click_tokens(sending, to, links=1):
    html = "".join(f'<p><a href="https://example.com/{i}">link {i}</a></p>' for i in range(links))
    message = sending.send(to, html=html)
    sending.drain()
    [raw] = [data for rcpt, data in sending.sink.accepted if rcpt == to]
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    body = parsed.get_body(("html",)).get_content()
    return message["id"], re.findall(r"/t/c/([A-Za-z0-9_-]+)", body)


def test_a_click_a_second_after_the_worker_sent_is_a_machine_and_a_minute_later_a_person(
    sending, aws
):
    # given the clock in the test's hands, and an email sent by the worker
    clock = _clock_in_hand()
    message_id, [token] = _sent_click_tokens(sending, "timed@example.test")
    # when its link is followed one second after sending, then a minute later
    clock.advance(1)
    assert _get(sending.api, f"/t/c/{token}").status_code == 302
    clock.advance(59)
    assert _get(sending.api, f"/t/c/{token}").status_code == 302
    # then the first is a machine for its timing, the second a person
    verdicts = [(e["actor"], e["reason"]) for e in _clicked(aws, message_id)]
    assert verdicts == [("machine", "too_soon_after_delivery"), ("human", "human")]


def test_every_link_of_a_sent_email_clicked_at_once_is_a_scanner(sending, aws):
    clock = _clock_in_hand()
    message_id, tokens = _sent_click_tokens(sending, "scanned@example.test", links=3)
    clock.advance(120)
    for token in tokens:
        clock.advance(0.4)
        assert _get(sending.api, f"/t/c/{token}").status_code == 302
    reasons = [e["reason"] for e in _clicked(aws, message_id)]
    assert reasons == ["human", "human", "all_links_at_once"]


def test_a_failing_clicks_table_still_redirects_and_records_the_click(api, aws):
    from chalicelib.aws import clients
    from chalicelib.aws.dynamodb import Table
    from chalicelib.core import wiring
    from chalicelib.tracking.store import DynamoRecentClicks

    # given the clicks table gone
    gone = DynamoRecentClicks(Table("penguinmails-local-no-such-table", clients.dynamodb_quick()))
    wiring.override("tracking.recent_clicks", gone)
    # when a link is followed, then the redirect is served and the click recorded
    token = _token("click", message_id="msg_notable", link_index=0, url="https://example.com/")
    reply = _get(api, f"/t/c/{token}")
    assert reply.status_code == 302 and reply.headers["Location"] == "https://example.com/"
    [event] = _clicked(aws, "msg_notable")
    assert event["actor"] == "human"
