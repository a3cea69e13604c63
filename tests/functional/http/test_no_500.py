"""No client input can cause a 500: every route against a battery of hostile requests."""

import re

import pytest

import app  # noqa: F401 - registers every route
from chalicelib.http.routing import ROUTES
from tests.functional.conftest import ADMIN_KEY

HOSTILE_BODIES = [
    "",
    "null",
    "0",
    "true",
    "[]",
    "{}",
    '{"name": null}',
    "[" * 5000 + "]" * 5000,
    '{"name": "' + "\u0000" * 10 + '", "plan": "starter"}',
    "\udcff",
    '{"a": 1e999999}',
    '{"name": "A", "plan": "starter", "name": "B"}',
    b"\xff\xfe\x00garbage".decode("latin-1"),
    '{"scope": "full", "name": {"$gt": ""}}',
    '{"status": "deleted"}',
    '{"plan": 7}',
]
HOSTILE_IDS = [
    "ten_" + "a" * 20,
    "..%2F..%2Fetc",
    "%00",
    "a" * 2000,
    "ten_%0d%0aX",
    "key_",
    "%E2%80%AE",
    "key_\u00e9",
]


def _concrete(path: str, value: str) -> str:
    return re.sub(r"{\w+}", value, path)


PUBLIC_PAGES = ("/t/", "/u/")  # the recipients' routes answer GIF, HTML or a redirect


@pytest.mark.parametrize(
    "route",
    sorted(r for r in ROUTES if r[0].startswith(PUBLIC_PAGES)),
    ids=lambda r: f"{r[1]} {r[0]}",
)
def test_hostile_requests_to_the_recipients_routes_never_get_a_500(api, route):
    path, method = route
    for ident in HOSTILE_IDS:
        for body in HOSTILE_BODIES if method == "POST" else [None]:
            for headers in ({}, {"Accept": "text/html"}, {"User-Agent": "\u00e9" * 600}):
                reply = api.client.http.request(
                    method, _concrete(path, ident), headers=headers, body=body
                )
                assert reply.status_code < 500, (method, path, ident, body)
                assert "Location" not in reply.headers, (method, path, ident)


@pytest.mark.parametrize(
    "route",
    sorted(r for r in ROUTES if not r[0].startswith(PUBLIC_PAGES)),
    ids=lambda r: f"{r[1]} {r[0]}",
)
def test_hostile_requests_never_get_a_500(api, route):
    path, method = route
    _, tenant_key = api.new_tenant()
    for key in [None, "", ADMIN_KEY, tenant_key, "pm_live_" + "x" * 64, "\u00e9\u00e9"]:
        for ident in HOSTILE_IDS[:2] if "{" in path else [""]:
            for body in HOSTILE_BODIES if method in ("POST", "PATCH") else [None]:
                reply = api.call(method, _concrete(path, ident), key, raw=body)
                assert reply.status_code < 500 or path == "/v1/health", (method, path, key, body)
                if reply.status_code >= 400 and path != "/v1/health":  # 503 carries the report
                    assert set(reply.data["error"]) == {"code", "message", "details"}
    for ident in HOSTILE_IDS:
        reply = api.call(
            method,
            _concrete(path, ident),
            tenant_key,
            raw="{}" if method in ("POST", "PATCH") else None,
        )
        assert reply.status_code < 500 or path == "/v1/health"
