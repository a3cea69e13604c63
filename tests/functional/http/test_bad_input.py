"""Every kind of bad input gets the documented 4xx with the problem named; never a 500."""

import json

import pytest

from tests.functional.conftest import ADMIN_KEY


@pytest.mark.parametrize(
    "raw,field",
    [
        ("{not json", "body"),
        ("[1, 2]", "body"),
        ('"just a string"', "body"),
        ("", "body"),
        (json.dumps({"name": "Acme"}), "plan"),
        (json.dumps({"name": "Acme", "plan": "gold"}), "plan"),
        (json.dumps({"name": 42, "plan": "starter"}), "name"),
        (json.dumps({"name": "Acme", "plan": "starter", "colour": "red"}), "colour"),
        (json.dumps({"name": "Acme\r\nBcc: x@y.test", "plan": "starter"}), "name"),
        (
            json.dumps({"name": "Acme", "plan": "starter", "contact_email": "not-an-address"}),
            "contact_email",
        ),
        (
            json.dumps({"name": "Acme", "plan": "starter", "contact_email": "a@b.test\r\nX: y"}),
            "contact_email",
        ),
        (json.dumps({"name": "   ", "plan": "starter"}), "name"),
        (json.dumps({"name": "Acme", "plan": ["starter"]}), "plan"),
    ],
)
def test_malformed_bodies_are_400_naming_the_field(api, raw, field):
    reply = api.call("POST", "/v1/tenants", ADMIN_KEY, raw=raw)
    assert reply.status_code == 400, reply.data
    error = reply.data["error"]
    assert error["code"] in {"bad_request", "validation_error"}
    named = error["details"].get("field") or ",".join(
        f["field"] for f in error["details"]["fields"]
    )
    assert field in named
    assert field in error["message"] or field == "body"


def test_oversized_bodies_are_413(api):
    body = json.dumps({"name": "x" * (300 * 1024), "plan": "starter"})
    reply = api.call("POST", "/v1/tenants", ADMIN_KEY, raw=body)
    assert reply.status_code == 413 and reply.data["error"]["code"] == "payload_too_large"


def test_wrong_content_type_and_method_use_the_envelope(api):
    reply = api.call(
        "POST",
        "/v1/tenants",
        ADMIN_KEY,
        raw="<tenant/>",
        headers={"Content-Type": "application/xml"},
    )
    assert reply.status_code == 415, reply.data
    assert reply.data["error"]["code"] == "unsupported_media_type"
    reply = api.call("PUT", "/v1/api-keys", ADMIN_KEY, body={})
    assert reply.status_code == 405 and reply.data["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Basic abc",
        "Bearer pm_live_x",
        "Bearer pm_live_" + "a" * 20 + "_" + "b" * 43,
    ],
)
def test_missing_or_malformed_keys_are_401(api, header):
    headers = {} if header is None else {"Authorization": header}
    reply = api.call("GET", "/v1/api-keys", headers=headers)
    assert reply.status_code == 401 and reply.data["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=abc", "limit=1000", "next_token=%%%", "next_token=eyJ0ZW5hbnRfaWQiOiJ4In0"],
)
def test_bad_list_parameters_are_400(api, query):
    _, key = api.new_tenant()
    reply = api.call("GET", f"/v1/audit?{query}", key)
    assert reply.status_code == 400
    assert reply.data["error"]["details"]["field"] in {"limit", "next_token"}


def test_an_unexpected_failure_is_an_opaque_500_envelope(api):
    from chalicelib.core import wiring

    _, key = api.new_tenant()

    class Broken:
        def list(self, *args):
            raise RuntimeError("database on fire: secret detail")

    wiring.override("accounts.audit", Broken())
    reply = api.call("GET", "/v1/audit", key)
    assert reply.status_code == 500
    assert reply.data["error"]["code"] == "internal_error"
    assert "fire" not in json.dumps(reply.data)


def test_curl_style_form_label_is_read_as_json(api):
    reply = api.call(
        "POST",
        "/v1/tenants",
        ADMIN_KEY,
        raw='{"name": "Curl", "plan": "starter"}',
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert reply.status_code == 201
