"""The hit path's use case over fakes and an injected clock: the send time signed inside the
token makes a click one second after sending a machine and one a minute later a person,
opens likewise; the recent clicks of a message catch a scanner clicking every link; old
tokens without a send time and a failing store fall back to the other rules, and the event
is published either way."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.sending.rules.tokens import TokenClaims, TokenKeys, encode
from chalicelib.tracking import service
from chalicelib.tracking.rules import BURST_SECONDS, CLICK_TOO_SOON_SECONDS
from chalicelib.tracking.service import TrackingPorts, Visitor
from tests.fakes.core import FakeClock, FakeEvents
from tests.fakes.tracking import FakeRecentClicks

KEYS = TokenKeys({"k1": b"k" * 32}, "k1")
TENANT, MESSAGE = "ten_abcdefghijklmnopqrst", "msg_tracked"
SENT = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
PERSON = Visitor(
    "GET", "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15", "198.51.100.7"
)


class World:
    def __init__(self, clicks: FakeRecentClicks | None = None) -> None:
        self.clock = FakeClock(SENT)
        self.events = FakeEvents()
        self.clicks = clicks or FakeRecentClicks()
        self.store_failures: list[Exception] = []
        self.ports = TrackingPorts(
            keys=lambda: KEYS,
            events=self.events,
            clock=self.clock,
            unsubscribe=lambda claims, how: True,
            on_key_failure=lambda: None,
            recent_clicks=self.clicks,
            on_store_failure=self.store_failures.append,
        )

    def token(self, kind: str, link: int | None = None, sent: bool = True) -> str:
        url = None if link is None else f"https://acme.test/{link}"
        sent_at = int(SENT.timestamp()) if sent else None
        expires = int(SENT.timestamp()) + 86_400
        return encode(TokenClaims(kind, TENANT, MESSAGE, expires, link, url, sent_at), KEYS)

    def hit(self, token: str, kind: str, after: float, visitor: Visitor = PERSON) -> dict:
        self.clock.moment = SENT
        self.clock.advance(after)
        claims = service.claims_of(self.ports, token, kind)
        assert claims is not None
        event_type = "message.clicked" if kind == "click" else "message.opened"
        service.record(self.ports, claims, visitor, event_type, link_index=claims.link_index)
        return self.events.published[-1]


@pytest.fixture
def world() -> World:
    return World()


def test_a_click_one_second_after_sending_is_a_machine_and_a_minute_later_a_person(world):
    token = world.token("click", link=0)
    early = world.hit(token, "click", after=1)
    assert (early["actor"], early["reason"]) == ("machine", "too_soon_after_delivery")
    late = world.hit(token, "click", after=60)
    assert (late["actor"], late["reason"]) == ("human", "human")


def test_an_open_one_second_after_sending_is_a_machine_and_a_minute_later_a_person(world):
    token = world.token("open")
    assert world.hit(token, "open", after=1)["actor"] == "machine"
    assert world.hit(token, "open", after=60)["actor"] == "human"


def test_an_old_token_without_a_send_time_falls_back_to_the_other_rules(world):
    token = world.token("click", link=0, sent=False)
    assert world.hit(token, "click", after=1)["actor"] == "human"
    scanner = Visitor("GET", "Mimecast URL Protect", "198.51.100.7")
    assert world.hit(token, "click", after=1, visitor=scanner)["reason"] == "scanner_user_agent"


def test_every_link_clicked_within_two_seconds_is_a_scanner(world):
    # given three links clicked a minute after sending, within two seconds of each other
    start = CLICK_TOO_SOON_SECONDS + 50
    verdicts = [
        world.hit(world.token("click", link=i), "click", after=start + i * 0.5)["reason"]
        for i in range(3)
    ]
    # then the third shows every link clicked at once
    assert verdicts == ["human", "human", "all_links_at_once"]
    sent = SENT.timestamp()
    assert world.clicks.clicks[(TENANT, MESSAGE)] == {0: sent + 60, 1: sent + 60.5, 2: sent + 61}


def test_a_person_clicking_links_one_at_a_time_or_the_same_link_again_is_a_person(world):
    start = 120.0
    paced = [
        world.hit(world.token("click", link=i), "click", after=start + i * (BURST_SECONDS + 1))
        for i in range(3)
    ]
    again = [
        world.hit(world.token("click", link=0), "click", after=300 + i * 0.2) for i in range(3)
    ]
    assert {e["actor"] for e in paced + again} == {"human"}


def test_opens_touch_no_store():
    world = World(FakeRecentClicks(fail=True))
    assert world.hit(world.token("open"), "open", after=60)["actor"] == "human"
    assert world.store_failures == []


def test_a_failing_store_is_reported_and_the_click_still_recorded_with_the_other_rules():
    # given a store that fails on every call
    world = World(FakeRecentClicks(fail=True))
    # when links are clicked, too soon and later
    early = world.hit(world.token("click", link=0), "click", after=1)
    late = world.hit(world.token("click", link=1), "click", after=60)
    # then the events are published with the verdicts the token alone allows
    assert (early["reason"], late["reason"]) == ("too_soon_after_delivery", "human")
    assert len(world.store_failures) == 2
    assert isinstance(world.store_failures[0], ConnectionError)


def test_token_expiry_is_read_on_the_injected_clock(world):
    token = world.token("open")
    world.clock.moment = SENT
    world.clock.advance(86_400)
    assert service.claims_of(world.ports, token, "open") is None
