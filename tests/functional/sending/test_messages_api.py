"""The messages API's contract: validation with the field named, per-recipient batch results,
Idempotency-Key, templates with defaults, 404s and 409s, and nothing queued on a refusal."""

from __future__ import annotations

import pytest


def _post(s, path, body, headers=None):
    return s.api.call("POST", path, s.key, body, headers=headers)


def _base(s, **extra):
    return {"from": s.mailbox["id"], "subject": "Hi", "text": "Hello", **extra}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"subject": "Hi\r\nBcc: victim@example.test"}, "subject"),
        ({"subject": "Hi\nthere"}, "subject"),
        ({"from_name": "Alice\r\nX-Evil: 1"}, "from_name"),
        ({"headers": {"X-Campaign": "a\r\nBcc: x@example.test"}}, "headers"),
        ({"headers": {"Bcc": "x@example.test"}}, "headers"),
        ({"headers": {"Bad Name": "x"}}, "headers"),
        ({"to": "not-an-address"}, "to"),
        ({"to": "a@@example.test"}, "to"),
        ({"reply_to": "nope"}, "reply_to"),
        ({"track_opens": "yes"}, "track_opens"),
        ({"tags": ["has space"]}, "tags"),
    ],
)
def test_bad_fields_are_400_naming_the_field_and_queue_nothing(sending, changes, field):  # noqa: F811
    body = {**_base(sending, to="ok@example.test"), **changes}
    reply = _post(sending, "/v1/messages", body)
    assert reply.status_code == 400, reply.data
    assert field in str(reply.data["error"])
    listed = sending.api.call("GET", "/v1/messages", sending.key).data["items"]
    assert listed == []


def test_rules_a_valid_request_breaks_are_422(sending, api):  # noqa: F811
    other, other_key = api.new_tenant("business")
    foreign = {**_base(sending, to="a@example.test"), "from": "mbx_aaaaaaaaaaaaaaaaaaaa"}
    assert _post(sending, "/v1/messages", foreign).status_code == 422
    unknown_domain = {**_base(sending, to="a@example.test"), "from": "x@unverified.test"}
    assert _post(sending, "/v1/messages", unknown_domain).status_code == 422
    missing = _base(sending, to="a@example.test", text="Hi {{ first_name }}")
    reply = _post(sending, "/v1/messages", missing)
    assert reply.status_code == 422 and "first_name" in reply.data["error"]["message"]
    no_body = {"from": sending.mailbox["id"], "to": "a@example.test", "subject": "x"}
    assert _post(sending, "/v1/messages", no_body).status_code == 422
    unknown_template = _base(sending, to="a@example.test", template_id="tpl_nothere")
    assert _post(sending, "/v1/messages", unknown_template).status_code == 422


def test_a_message_over_10_mb_is_413(sending):  # noqa: F811
    big = _base(sending, to="a@example.test", text="x" * (10 * 1024 * 1024 + 1))
    reply = _post(sending, "/v1/messages", big)
    assert reply.status_code == 413


def test_templates_fill_defaults_and_variables(sending):  # noqa: F811
    template = sending.api.call(
        "POST",
        "/v1/templates",
        sending.key,
        {"name": "t", "subject": "Hi {{ name | default('there') }}", "text": "Hello {{ name }}"},
    ).data
    body = {"from": sending.mailbox["id"], "template_id": template["id"]}
    with_name = _post(
        sending, "/v1/messages", {**body, "to": "a@example.test", "variables": {"name": "Ann"}}
    )
    assert with_name.status_code == 202 and with_name.data["subject"] == "Hi Ann"
    without = _post(sending, "/v1/messages", {**body, "to": "b@example.test"})
    assert without.status_code == 422  # the text part has no default


def test_a_batch_answers_per_recipient_in_order(sending):  # noqa: F811
    body = _base(
        sending,
        subject="Hi {{ first }}",
        recipients=[
            {"to": "one@example.test", "variables": {"first": "One"}},
            {"to": "broken", "variables": {"first": "Two"}},
            {"to": "three@example.test"},
            {"to": "four@example.test", "variables": {"first": "Four"}},
        ],
    )
    reply = _post(sending, "/v1/messages/batch", body)
    assert reply.status_code == 202, reply.data
    results = reply.data["results"]
    assert [r["to"] for r in results] == [
        "one@example.test",
        "broken",
        "three@example.test",
        "four@example.test",
    ]
    assert [r["status"] for r in results] == ["accepted", "error", "error", "accepted"]
    assert results[1]["error"]["code"] == "validation_error"
    assert results[2]["error"]["code"] == "unprocessable"
    assert reply.data["accepted"] == 2 and reply.data["rejected"] == 2
    first = sending.get(results[0]["id"])
    assert first["subject"] == "Hi One" and first["batch_id"] == reply.data["batch_id"]


def test_batches_are_bounded(sending):  # noqa: F811
    too_many = _base(sending, recipients=[{"to": f"a{i}@example.test"} for i in range(501)])
    assert _post(sending, "/v1/messages/batch", too_many).status_code == 400
    assert _post(sending, "/v1/messages/batch", _base(sending, recipients=[])).status_code == 400


def test_idempotency_key_replays_the_first_reply_and_refuses_another_body(sending):  # noqa: F811
    body = _base(sending, to="idem@example.test")
    key = {"Idempotency-Key": "order-42"}
    first = _post(sending, "/v1/messages", body, key)
    again = _post(sending, "/v1/messages", body, key)
    assert first.status_code == again.status_code == 202
    assert again.data["id"] == first.data["id"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    other = _post(sending, "/v1/messages", {**body, "subject": "Changed"}, key)
    assert other.status_code == 409
    listed = sending.api.call("GET", "/v1/messages?to=idem@example.test", sending.key).data
    assert len(listed["items"]) == 1


def test_listing_filters_and_paginates(sending):  # noqa: F811
    for n in range(3):
        _post(sending, "/v1/messages", _base(sending, to=f"p{n}@example.test", tags=["wave1"]))
    _post(sending, "/v1/messages", _base(sending, to="other@example.test", tags=["wave2"]))
    tagged = sending.api.call("GET", "/v1/messages?tag=wave1&limit=100", sending.key).data
    assert {m["to"] for m in tagged["items"]} == {f"p{n}@example.test" for n in range(3)}
    page = sending.api.call("GET", "/v1/messages?limit=2", sending.key).data
    assert len(page["items"]) == 2 and page["next_token"]
    rest = sending.api.call(
        "GET", f"/v1/messages?limit=2&next_token={page['next_token']}", sending.key
    )
    assert rest.status_code == 200 and rest.data["items"][0]["id"] != page["items"][0]["id"]
    queued = sending.api.call("GET", "/v1/messages?status=queued&limit=100", sending.key).data
    assert len(queued["items"]) == 4
    assert sending.api.call("GET", "/v1/messages?status=bogus", sending.key).status_code == 400


def test_another_tenants_message_is_404(sending, api):  # noqa: F811
    message = _post(sending, "/v1/messages", _base(sending, to="mine@example.test")).data
    _, other_key = api.new_tenant("business")
    for method in ("GET", "DELETE"):
        assert api.call(method, f"/v1/messages/{message['id']}", other_key).status_code == 404
    assert api.call("GET", "/v1/messages/msg_garbage!!", sending.key).status_code == 404
