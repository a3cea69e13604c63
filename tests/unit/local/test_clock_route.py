"""``/local/clock`` on its own: reading the platform's clock, moving it forward, and every
bad body a 400 that names the field."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from chalicelib.core.clock import OffsetClock
from infrastructure.local.http_server import MAX_ADVANCE_SECONDS, LocalRoutes
from tests.fakes.core import FakeClock

START = datetime(2026, 3, 27, 16, 0, tzinfo=UTC)


def _routes(clock: OffsetClock | None) -> LocalRoutes:
    return LocalRoutes(smtp=None, describe=dict, clock=clock)


def _post(routes: LocalRoutes, body: object) -> tuple[int, dict]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return routes.handle("POST", "/local/clock", raw)


def test_get_shows_the_time_and_the_offset():
    status, body = _routes(OffsetClock(FakeClock(START))).handle("GET", "/local/clock", b"")
    assert (status, body) == (200, {"now": "2026-03-27T16:00:00.000Z", "offset_seconds": 0.0})


def test_post_moves_the_clock_forward_and_says_where_it_is():
    clock = OffsetClock(FakeClock(START))
    routes = _routes(clock)
    assert _post(routes, {"advance_seconds": 3 * 86_400}) == (
        200,
        {"now": "2026-03-30T16:00:00.000Z", "offset_seconds": 259_200.0},
    )
    assert _post(routes, {"advance_seconds": 1.5})[1]["offset_seconds"] == 259_201.5
    assert routes.handle("GET", "/local/clock/", b"")[1]["now"] == "2026-03-30T16:00:01.500Z"
    assert _post(routes, {"advance_seconds": MAX_ADVANCE_SECONDS})[0] == 200


@pytest.mark.parametrize(
    "body",
    [
        {"advance_seconds": 0},
        {"advance_seconds": -60},
        {"advance_seconds": MAX_ADVANCE_SECONDS + 1},
        {"advance_seconds": "3600"},
        {"advance_seconds": True},
        {"advance_seconds": None},
        {"advance_seconds": [60]},
        {"seconds": 60},
        [60],
        b"{not json",
        b"NaN",
        b'{"advance_seconds": NaN}',
        b'{"advance_seconds": Infinity}',
        b"",
    ],
)
def test_a_bad_advance_is_a_400_naming_the_field_and_moves_nothing(body):
    clock = OffsetClock(FakeClock(START))
    status, reply = _post(_routes(clock), body)
    assert status == 400
    assert reply["error"]["details"] == {"field": "advance_seconds"}
    assert clock.now() == START


def test_a_platform_without_a_movable_clock_has_no_clock_routes():
    routes = _routes(None)
    assert routes.handle("GET", "/local/clock", b"")[0] == 404
    assert _post(routes, {"advance_seconds": 60})[0] == 404
