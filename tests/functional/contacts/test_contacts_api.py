"""Contacts, lists and custom fields through the API over moto: every reply held to its model
(``Api.call``), bad input answered 400/422 naming the field, another tenant's ids 404, the
person's export and erasure, and the ``contact.*`` events on the stream valid by schema and
free of personal data."""

from __future__ import annotations

import pytest

from chalicelib.core import wiring
from tests.fakes.contacts import FakeErasedSuppressions
from tests.functional.outbox import stream_events
from tests.integration.event_contract import event_problems


@pytest.fixture
def key(api):
    return api.new_tenant("business")[1]


def _post(api, key, path, body, status=201):
    reply = api.call("POST", path, key, body)
    assert reply.status_code == status, reply.data
    return reply.data


def _error(reply, status: int) -> dict:
    assert reply.status_code == status, reply.data
    return reply.data["error"]


def test_a_contact_is_created_read_changed_and_deleted(api, key):
    # given a declared field
    _post(api, key, "/v1/contact-fields", {"name": "score", "type": "number"})
    # when
    made = _post(
        api,
        key,
        "/v1/contacts",
        {
            "email": " Ann@Example.TEST",
            "first_name": "Ann",
            "time_zone": "Europe/Paris",
            "tags": ["vip"],
            "fields": {"score": 7},
        },
    )
    one = f"/v1/contacts/{made['id']}"
    # then
    assert (made["email"], made["status"], made["fields"]) == (
        "ann@example.test",
        "active",
        {"score": 7},
    )
    assert api.call("GET", one, key).data == made
    changed = api.call("PATCH", one, key, {"status": "unsubscribed", "first_name": None})
    assert changed.status_code == 200, changed.data
    assert (changed.data["status"], changed.data["first_name"]) == ("unsubscribed", None)
    deleted = api.call("DELETE", one, key)
    assert deleted.data == {"id": made["id"], "deleted": True, "erased": False, "sources": {}}
    assert api.call("GET", one, key).status_code == 404


def test_an_existing_address_is_a_409_with_the_contacts_id(api, key):
    made = _post(api, key, "/v1/contacts", {"email": "bob@example.test"})
    error = _error(api.call("POST", "/v1/contacts", key, {"email": "BOB@example.test "}), 409)
    assert error["details"] == {"field": "email", "id": made["id"]}


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"email": "not-an-address"}, 422, "email"),
        ({"email": "a@example.test", "time_zone": "Mars/Olympus"}, 422, "time_zone"),
        ({"email": "a@example.test", "fields": {"score": "high"}}, 422, "fields.score"),
        ({"email": "a@example.test", "fields": {"nobody": 1}}, 422, "fields.nobody"),
        ({"email": "a@example.test", "lists": ["lst_aaaaaaaaaaaaaaaaaaaa"]}, 422, "lists"),
        ({"email": 5}, 400, "email"),
        ({"email": "a@example.test", "first_name": "Ann\r\nBcc: x"}, 400, "first_name"),
        ({"email": "a@example.test", "tags": "vip"}, 400, "tags"),
        ({"email": "a@example.test", "status": "active"}, 400, "status"),
    ],
)
def test_bad_contacts_are_refused_naming_the_field(api, key, body, status, field):
    _post(api, key, "/v1/contact-fields", {"name": "score", "type": "number"})
    error = _error(api.call("POST", "/v1/contacts", key, body), status)
    named = error["details"].get("field") or error["details"]["fields"][0]["field"]
    assert named == field, error
    assert api.call("GET", "/v1/contacts", key).data["items"] == []


def test_malformed_json_is_a_400(api, key):
    error = _error(api.call("POST", "/v1/contacts", key, raw='{"email": '), 400)
    assert error["details"]["field"] == "body"


def test_the_listing_filters_and_pages(api, key):
    # given three contacts, two on a list, one tagged
    leads = _post(api, key, "/v1/lists", {"name": "Leads"})
    made = [
        _post(
            api,
            key,
            "/v1/contacts",
            {"email": f"c{n}@example.test", "tags": ["t"] if n == 1 else []},
        )
        for n in range(3)
    ]
    added = api.call(
        "POST",
        f"/v1/lists/{leads['id']}/contacts",
        key,
        {"contact_ids": [made[0]["id"], made[1]["id"]]},
    )
    assert added.data == {"list_id": leads["id"], "added": 2}
    # when / then
    first = api.call("GET", "/v1/contacts?limit=2", key).data
    rest = api.call("GET", f"/v1/contacts?limit=2&next_token={first['next_token']}", key).data
    assert [c["id"] for c in first["items"] + rest["items"]] == [c["id"] for c in made]
    on_list = api.call("GET", f"/v1/contacts?list_id={leads['id']}&tag=t", key).data
    assert [c["id"] for c in on_list["items"]] == [made[1]["id"]]
    members = api.call("GET", f"/v1/lists/{leads['id']}/contacts", key).data
    assert {c["id"] for c in members["items"]} == {made[0]["id"], made[1]["id"]}
    assert api.call("GET", "/v1/contacts?status=bounced", key).data["items"] == []
    assert api.call("GET", "/v1/contacts?created_after=2999-01-01", key).data["items"] == []


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("status=gone", 400, "status"),
        ("created_after=soon", 400, "created_after"),
        ("list_id=lst_aaaaaaaaaaaaaaaaaaaa", 422, "list_id"),
        ("limit=0", 400, "limit"),
        ("next_token=bm9wZQ", 400, "next_token"),
    ],
)
def test_bad_filters_name_the_parameter(api, key, query, status, field):
    assert (
        _error(api.call("GET", f"/v1/contacts?{query}", key), status)["details"]["field"] == field
    )


def test_lists_are_managed_and_members_added_all_or_nothing(api, key):
    leads = _post(api, key, "/v1/lists", {"name": "Leads", "description": "From the fair"})
    one = f"/v1/lists/{leads['id']}"
    contact = _post(api, key, "/v1/contacts", {"email": "m@example.test", "lists": [leads["id"]]})
    unknown = api.call(
        "POST", one + "/contacts", key, {"contact_ids": [contact["id"], "ctc_nobody"]}
    )
    assert _error(unknown, 422)["details"]["field"] == "contact_ids"
    too_many = api.call("POST", one + "/contacts", key, {"contact_ids": ["ctc_x"] * 1001})
    assert _error(too_many, 400)["details"]["fields"][0]["field"] == "contact_ids"
    renamed = api.call("PATCH", one, key, {"name": "Fair leads"})
    assert renamed.data["name"] == "Fair leads"
    removed = api.call("DELETE", f"{one}/contacts/{contact['id']}", key)
    assert removed.data == {"list_id": leads["id"], "contact_id": contact["id"], "removed": True}
    assert api.call("DELETE", f"{one}/contacts/{contact['id']}", key).status_code == 404
    assert api.call("DELETE", one, key).status_code == 200
    assert api.call("GET", one, key).status_code == 404
    assert api.call("GET", f"/v1/contacts/{contact['id']}", key).status_code == 200


def test_custom_fields_are_declared_once_with_a_type(api, key):
    made = _post(api, key, "/v1/contact-fields", {"name": "renewal", "type": "date"})
    assert made["type"] == "date"
    again = api.call("POST", "/v1/contact-fields", key, {"name": "renewal", "type": "string"})
    assert _error(again, 409)["details"]["field"] == "name"
    built_in = api.call("POST", "/v1/contact-fields", key, {"name": "email", "type": "string"})
    assert _error(built_in, 422)["details"]["field"] == "name"
    bad_type = api.call("POST", "/v1/contact-fields", key, {"name": "x", "type": "bool"})
    assert _error(bad_type, 400)["details"]["fields"][0]["field"] == "type"
    assert [f["name"] for f in api.call("GET", "/v1/contact-fields", key).data["items"]] == [
        "renewal"
    ]
    bad_date = api.call(
        "POST",
        "/v1/contacts",
        key,
        {"email": "d@example.test", "fields": {"renewal": "2027-02-30"}},
    )
    assert _error(bad_date, 422)["details"]["field"] == "fields.renewal"


def test_another_tenants_ids_are_not_found(api, key):
    contact = _post(api, key, "/v1/contacts", {"email": "mine@example.test"})
    leads = _post(api, key, "/v1/lists", {"name": "Mine"})
    _, other = api.new_tenant("business")
    for method, path in [
        ("GET", f"/v1/contacts/{contact['id']}"),
        ("DELETE", f"/v1/contacts/{contact['id']}?erase=true"),
        ("GET", f"/v1/contacts/{contact['id']}/export"),
        ("GET", f"/v1/lists/{leads['id']}/contacts"),
    ]:
        assert api.call(method, path, other).status_code == 404, path
    theirs = _post(api, other, "/v1/lists", {"name": "Theirs"})
    foreign = api.call(
        "POST", f"/v1/lists/{theirs['id']}/contacts", other, {"contact_ids": [contact["id"]]}
    )
    assert _error(foreign, 422)["details"]["ids"] == [contact["id"]]
    # the same address is another tenant's own contact
    assert _post(api, other, "/v1/contacts", {"email": "mine@example.test"})["id"] != contact["id"]


def test_export_and_erasure_of_a_person(api, key, aws):
    # given a contact on a list, and sending's suppression as a twin
    suppressions = FakeErasedSuppressions()
    wiring.override("contacts.erased_suppressions", suppressions)
    leads = _post(api, key, "/v1/lists", {"name": "Leads"})
    contact = _post(
        api, key, "/v1/contacts", {"email": "erase.me@example.test", "lists": [leads["id"]]}
    )
    one = f"/v1/contacts/{contact['id']}"
    # when
    exported = api.call("GET", one + "/export", key).data
    erased = api.call("DELETE", one + "?erase=true", key)
    # then
    assert exported["contact"] == contact and [lst["id"] for lst in exported["lists"]] == [
        leads["id"]
    ]
    sources = {"campaigns": 0}  # the sources app.py registers; this person is in none
    assert erased.data == {"id": contact["id"], "deleted": True, "erased": True, "sources": sources}
    assert [(s[0], s[1]) for s in suppressions.suppressed] == [
        (api.call("GET", "/v1/tenant", key).data["id"], "erase.me@example.test")
    ]
    assert api.call("GET", one, key).status_code == 404
    assert api.call("GET", f"/v1/lists/{leads['id']}/contacts", key).data["items"] == []
    assert _error(api.call("DELETE", one + "?erase=maybe", key), 400)["details"]["field"] == "erase"
    # and the events are on the stream, valid, without the address
    mine = [e for e in stream_events(aws) if e.get("contact_id") == contact["id"]]
    assert sorted(e["type"] for e in mine) == ["contact.created", "contact.erased"]
    for event in mine:
        assert event_problems(event) == []
        assert "erase.me" not in str(event)
