"""``/local/analytics/flush``: the local Firehose writes its buffers now and says what it
wrote; a platform without one answers 404."""

from __future__ import annotations

from infrastructure.local.http_server import LocalRoutes


def test_a_flush_answers_what_the_firehose_wrote():
    calls = []

    def flush() -> dict[str, int]:
        calls.append(1)
        return {"files": 2, "records": 7}

    routes = LocalRoutes(smtp=None, describe=dict, flush_analytics=flush)
    assert routes.handle("POST", "/local/analytics/flush", b"") == (
        200,
        {"files": 2, "records": 7},
    )
    assert calls == [1]
    assert routes.handle("GET", "/local/analytics/flush", b"")[0] == 404


def test_without_a_local_firehose_the_route_is_not_found():
    status, body = LocalRoutes(smtp=None, describe=dict).handle(
        "POST", "/local/analytics/flush", b""
    )
    assert status == 404 and body["error"]["code"] == "not_found"
