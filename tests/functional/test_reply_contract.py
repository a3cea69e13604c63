"""The reply contract (``reply_contract``) can fail, is wired into every ``Api.call``, and
every route that answers JSON declares the model it is held to."""

from __future__ import annotations

import dataclasses

import pytest
from pydantic import BaseModel, ConfigDict, Field

from tests.functional.reply_contract import (
    ERROR_MODEL,
    ReplyContractError,
    check_reply,
    expected_model,
    route_for,
    strict_problems,
)

# --- the checker itself --------------------------------------------------------------------


class Inner(BaseModel):
    count: int
    seen_at: str | None


class Outer(BaseModel):
    id: str
    sender: str = Field(alias="from")
    inner: Inner
    many: list[Inner]
    by_name: dict[str, Inner]
    maybe: Inner | None = None
    metadata: dict  # free-form
    note: str | None = None  # not required

    model_config = ConfigDict(populate_by_name=True)


def _good() -> dict:
    return {
        "id": "x_1",
        "from": "a@example.test",
        "inner": {"count": 1, "seen_at": None},
        "many": [{"count": 2, "seen_at": "2026-01-01T00:00:00Z"}],
        "by_name": {"k": {"count": 3, "seen_at": None}},
        "maybe": None,
        "metadata": {"anything": {"goes": [1, "here"]}},
    }


def test_a_reply_that_matches_its_model_passes():
    assert strict_problems(Outer, _good()) == []


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda b: b.update(extra=1), "extra: key not declared by Outer"),
        (lambda b: b["inner"].update(extra=1), "inner.extra: key not declared by Inner"),
        (lambda b: b["many"][0].update(extra=1), "many[0].extra: key not declared by Inner"),
        (lambda b: b["by_name"]["k"].update(extra=1), "by_name.k.extra: key not declared"),
        (lambda b: b.update(maybe={"count": 1, "seen_at": None, "x": 1}), "maybe.x: key not"),
        (lambda b: b.update(sender=b.pop("from")), "sender: key not declared by Outer"),
    ],
)
def test_an_undeclared_key_fails_at_any_depth(change, where):
    body = _good()
    change(body)
    problems = strict_problems(Outer, body)
    assert any(p.startswith(where) for p in problems), problems


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda b: b.pop("id"), "id: Field required"),
        (lambda b: b["inner"].pop("seen_at"), "inner.seen_at: Field required"),
        (lambda b: b.pop("from"), "from: Field required"),
    ],
)
def test_a_missing_required_field_fails(change, where):
    body = _good()
    change(body)
    problems = strict_problems(Outer, body)
    assert any(p.startswith(where) for p in problems), problems


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda b: b["inner"].update(count="1"), "inner.count:"),  # no str → int coercion
        (lambda b: b.update(many={"count": 1}), "many:"),
        (lambda b: b.update(metadata=[]), "metadata:"),
        (lambda b: b.update(id=None), "id:"),
    ],
)
def test_a_wrong_type_fails(change, where):
    body = _good()
    change(body)
    problems = strict_problems(Outer, body)
    assert any(p.startswith(where) for p in problems), problems


def test_routes_are_found_from_concrete_paths():
    assert route_for("GET", "/v1/messages/msg_1?x=1").path == "/v1/messages/{message_id}"
    assert route_for("POST", "/v1/messages/batch").path == "/v1/messages/batch"
    assert route_for("DELETE", "/v1/suppressions/a%40b.test").path == "/v1/suppressions/{address}"
    assert route_for("GET", "/v1/messages/") is None  # an empty segment is no id
    assert route_for("PUT", "/v1/messages") is None
    assert route_for("GET", "/v1/nothing/here") is None


def test_which_model_a_reply_is_held_to():
    health = route_for("GET", "/v1/health")
    tenant = route_for("GET", "/v1/tenant")
    pixel = route_for("GET", "/t/o/abc")
    assert expected_model(tenant, 200) == "chalicelib.accounts.schemas.TenantSelfReply"
    assert expected_model(tenant, 404) == ERROR_MODEL
    assert expected_model(None, 405) == ERROR_MODEL
    assert expected_model(health, 503) == "chalicelib.http.schemas.HealthReply"
    assert expected_model(pixel, 200) is None


def test_error_replies_are_held_to_the_envelope():
    good = {"error": {"code": "not_found", "message": "no", "details": {"id": "x"}}}
    check_reply("GET", "/v1/tenant", 404, good)
    with pytest.raises(ReplyContractError, match="error.extra"):
        check_reply("GET", "/v1/tenant", 404, {"error": {**good["error"], "extra": 1}})
    with pytest.raises(ReplyContractError, match="message"):
        check_reply("GET", "/v1/nowhere", 404, {"message": "Missing Authentication Token"})


# --- every route declares what it answers --------------------------------------------------

# Routes that answer no JSON reply model, and why.
NO_REPLY_MODEL = {
    # The OpenAPI document itself: JSON, but its shape is OpenAPI 3.1's, checked by
    # openapi-spec-validator in tests/functional/http/test_openapi.py.
    ("/v1/openapi.json", "GET"),
    # The tracking host answers a GIF, a redirect or a small HTML page, never JSON.
    ("/t/o/{token}", "GET"),
    ("/t/c/{token}", "GET"),
    ("/u/{token}", "GET"),
    ("/u/{token}", "POST"),
    # A completed report's rows as text/csv.
    ("/v1/analytics/reports/{report_id}/csv", "GET"),
}
# ``GET /v1/health`` is not an exception: it declares ``HealthReply``, which is also the body
# of its 503 (``reply_contract.OWN_MODEL_ON_ERROR``).


def test_every_json_route_declares_a_reply_model():
    import app  # noqa: F401 - registers every route
    from chalicelib.http.spec import ROUTES
    from chalicelib.http.validation import model_named

    assert NO_REPLY_MODEL <= set(ROUTES), NO_REPLY_MODEL - set(ROUTES)
    for key, spec in sorted(ROUTES.items()):
        if key in NO_REPLY_MODEL:
            assert spec.reply is None, f"{key} declares {spec.reply}: drop it from the list"
            continue
        assert spec.reply, f"{key} answers JSON but declares no reply model"
        model = model_named(spec.reply)
        assert isinstance(model, type) and issubclass(model, BaseModel), key
        assert model.model_config.get("extra") != "allow", f"{spec.reply} allows any key"


# --- the check runs on every Api.call ------------------------------------------------------


def test_api_calls_fail_on_a_reply_their_route_does_not_declare(api, monkeypatch):
    from chalicelib.http.spec import ROUTES

    _, key = api.new_tenant()
    assert api.call("GET", "/v1/tenant", key).status_code == 200
    spec = ROUTES[("/v1/tenant", "GET")]
    narrower = dataclasses.replace(spec, reply="chalicelib.accounts.schemas.TenantReply")
    monkeypatch.setitem(ROUTES, ("/v1/tenant", "GET"), narrower)
    with pytest.raises(ReplyContractError, match="limits: key not declared by TenantReply"):
        api.call("GET", "/v1/tenant", key)


def test_the_routes_no_other_test_reads_back_match_their_models(sending):
    """Single mailbox, single template, deleting a suppression and health: each answer goes
    through the strict check in ``Api.call``."""
    api, key = sending.api, sending.key
    mailbox = api.call("GET", f"/v1/mailboxes/{sending.mailbox['id']}", key)
    assert mailbox.status_code == 200 and mailbox.data["id"] == sending.mailbox["id"]
    template = api.call(
        "POST", "/v1/templates", key, {"name": "T", "subject": "Hi", "text": "Hello"}
    ).data
    read = api.call("GET", f"/v1/templates/{template['id']}", key)
    assert read.status_code == 200 and read.data["text"] == "Hello"
    api.call("POST", "/v1/suppressions", key, {"address": "gone@example.test"})
    deleted = api.call("DELETE", "/v1/suppressions/gone@example.test", key)
    assert deleted.status_code == 200 and deleted.data["address"] == "gone@example.test"
    health = api.call("GET", "/v1/health")
    assert health.status_code in (200, 503) and health.data["components"]


# --- the domain objects' bodies against their models, every optional part present ----------


def test_a_message_with_every_kind_of_timeline_entry_matches_message_reply():
    from chalicelib.sending.rules.messages import Message, entry
    from chalicelib.sending.schemas import MessagePage, MessageReply

    at = "2026-01-01T00:00:00Z"
    timeline = (
        entry("queued", at, scheduled_at=at),
        entry("sending", at, attempt=1),
        entry(
            "deferred",
            at,
            attempt=1,
            smtp_code=451,
            enhanced_status="4.7.1",
            smtp_text="try later",
            stage="rcpt",
        ),
        entry("deferred", at, step="cool_down", reason="throttled"),
        entry("sent", at, attempt=2, smtp_code=250, smtp_text="ok", stage="done"),
        entry("sent", at, event="reply", inbound_id="inb_1"),
        entry("sent", at, event="soft_bounce", inbound_id="inb_2", status_codes=["4.2.2"]),
        entry("sent", at, event="complained", inbound_id="inb_3", feedback_type="abuse"),
        entry("bounced", at, reason="hard bounce 5.1.1", inbound_id="inb_4", diagnostic="no"),
        entry("failed", at, reason="outcome_unknown", detail="the worker stopped mid-send"),
    )
    message = Message(
        tenant_id="ten_1",
        message_id="msg_1",
        status="bounced",
        mailbox_id="mbx_1",
        domain_id="dom_1",
        from_address="a@example.test",
        from_name="A",
        to="b@example.test",
        reply_to=None,
        headers={},
        tags=("t",),
        metadata={"k": "v"},
        variables=None,
        body_key="k",
        template_id="tpl_1",
        track_opens=True,
        track_clicks=False,
        queue="priority",
        created_at=at,
        scheduled_at=at,
        attempts=2,
        subject="S",
        timeline=timeline,
        batch_id="bat_1",
        engagement={"opens_human": 1, "last_opens_at": at},
    )
    assert strict_problems(MessageReply, message.to_public()) == []
    page = {"items": [message.to_public(with_timeline=False)], "next_token": None}
    assert strict_problems(MessagePage, page) == []


def test_message_reply_is_documented_with_every_field():
    from chalicelib.sending.schemas import MessageReply

    schema = MessageReply.model_json_schema(ref_template="#/$defs/{model}")
    assert {"from", "from_name", "template_id", "track_opens", "track_clicks", "batch_id"} <= set(
        schema["required"]
    )
    assert {"timeline", "engagement"} <= set(schema["properties"]) - set(schema["required"])
    assert schema["properties"]["engagement"].get("$ref", "").endswith("/Engagement")
    engagement = schema["$defs"]["Engagement"]
    assert set(engagement["properties"]) == {
        "opens",
        "clicks",
        "last_open_at",
        "last_click_at",
        "replies",
        "auto_replies",
        "complained",
        "bounced",
    }
