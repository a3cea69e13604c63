"""The contacts rules: addresses normalised as sending compares them, time zones known to
zoneinfo, custom field values held to their declared types, drafts merged without loss,
template variables, and the listing filters."""

from __future__ import annotations

import pytest

from chalicelib.contacts.rules import checks
from chalicelib.contacts.rules.contacts import (
    ContactDraft,
    changed,
    changed_names,
    merged,
    new_contact,
)
from chalicelib.contacts.rules.filters import ContactFilter, parse_filters
from chalicelib.core.errors import BadRequest, UnprocessableEntity

NOW = "2026-11-28T12:00:00.000Z"
TYPES = {"score": "number", "plan": "string", "renewal": "date"}


def _field_of(call) -> str:
    with pytest.raises(UnprocessableEntity) as refused:
        call()
    return refused.value.details["field"]


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("Ann@Example.TEST", "ann@example.test"),
        ("  bob.smith+leads@EXAMPLE.test ", "bob.smith+leads@example.test"),
    ],
)
def test_addresses_are_stored_normalised(raw, stored):
    assert checks.check_email(raw) == stored


@pytest.mark.parametrize(
    "raw", ["nope", "a@", "@example.test", "a b@example.test", "a@example.test\r\nBcc: x@y.z"]
)
def test_a_bad_address_is_a_422_naming_email(raw):
    assert _field_of(lambda: checks.check_email(raw)) == "email"


@pytest.mark.parametrize("zone", ["Europe/Paris", "America/New_York", "UTC"])
def test_known_time_zones_pass(zone):
    assert checks.check_time_zone(zone) == zone


@pytest.mark.parametrize(
    "zone", ["Mars/Olympus", "../../etc/passwd", "Europe/Paris\n", "", "x" * 70]
)
def test_an_unknown_time_zone_is_a_422_naming_time_zone(zone):
    assert _field_of(lambda: checks.check_time_zone(zone)) == "time_zone"


def test_field_values_are_held_to_their_types():
    values = {"score": 4.5, "plan": " gold ", "renewal": "2027-02-28"}
    assert checks.check_fields(values, TYPES) == {
        "score": 4.5,
        "plan": "gold",
        "renewal": "2027-02-28",
    }


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"score": "4"}, "fields.score"),
        ({"score": True}, "fields.score"),
        ({"score": float("nan")}, "fields.score"),
        ({"plan": 7}, "fields.plan"),
        ({"plan": "a\r\nb"}, "fields.plan"),
        ({"renewal": "2027-02-30"}, "fields.renewal"),
        ({"renewal": "28/02/2027"}, "fields.renewal"),
        ({"unknown": "x"}, "fields.unknown"),
    ],
)
def test_a_value_of_the_wrong_type_or_an_undeclared_field_names_it(values, field):
    assert _field_of(lambda: checks.check_fields(values, TYPES)) == field


def test_numbers_from_a_csv_may_come_as_text():
    assert checks.check_fields({"score": "12"}, TYPES, from_text=True) == {"score": 12}
    assert checks.check_fields({"score": "1.5"}, TYPES, from_text=True) == {"score": 1.5}
    assert _field_of(lambda: checks.check_fields({"score": "x"}, TYPES, from_text=True)) == (
        "fields.score"
    )


@pytest.mark.parametrize("name", ["1abc", "Abc", "a-b", "a" * 41, "email", "first_name", "tags"])
def test_field_names_are_snake_case_and_not_built_in(name):
    assert _field_of(lambda: checks.check_field_name(name)) == "name"


def test_a_draft_is_checked_whole():
    draft = ContactDraft(
        " Ann@Example.test",
        first_name=" Ann ",
        time_zone="Europe/Paris",
        tags=("a", "b", "a"),
        fields={"score": 3},
        lists=("lst_x", "lst_x"),
    )
    checked = checks.check_draft(draft, TYPES)
    assert checked == ContactDraft(
        "ann@example.test",
        first_name="Ann",
        time_zone="Europe/Paris",
        tags=("a", "b"),
        fields={"score": 3},
        lists=("lst_x",),
    )
    assert _field_of(lambda: checks.check_draft(ContactDraft("a@b.test", company="x\ny"), {})) == (
        "company"
    )


def test_a_merge_adds_tags_and_fields_and_keeps_what_the_draft_lacks():
    contact = new_contact(
        "ten_x", ContactDraft("a@b.test", "Ann", tags=("a",), fields={"x": 1}), NOW
    )
    draft = ContactDraft("a@b.test", company="Acme", tags=("b", "a"), fields={"y": "z"})
    after = merged(contact, draft)
    assert (after.first_name, after.company, after.tags) == ("Ann", "Acme", ("a", "b"))
    assert after.fields == {"x": 1, "y": "z"}
    assert merged(after, draft) == after  # the same draft again brings nothing


def test_a_patch_clears_names_and_removes_fields_set_to_null():
    contact = new_contact("ten_x", ContactDraft("a@b.test", "Ann", fields={"x": 1, "y": 2}), NOW)
    after = changed(contact, {"first_name": None, "fields": {"x": None, "z": 3}}, "later")
    assert after.first_name is None and after.fields == {"y": 2, "z": 3}
    assert changed_names(contact, after) == ["first_name", "fields"]


def test_variables_hold_the_names_that_are_set_and_every_field():
    contact = new_contact("ten_x", ContactDraft("a@b.test", "Ann", fields={"plan": "gold"}), NOW)
    assert contact.variables() == {"email": "a@b.test", "first_name": "Ann", "plan": "gold"}


def test_filters_are_read_and_checked():
    where = parse_filters({"status": "active", "tag": "vip", "created_after": "2026-01-01"})
    assert where == ContactFilter(
        tag="vip", status="active", created_after="2026-01-01T00:00:00.000Z"
    )
    contact = new_contact("ten_x", ContactDraft("a@b.test", tags=("vip",)), NOW)
    assert where.matches(contact)
    assert not ContactFilter(created_before=NOW).matches(contact)
    assert ContactFilter(created_after=NOW).matches(contact)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": "deleted"}, "status"),
        ({"created_after": "yesterday"}, "created_after"),
        ({"created_before": "2026-13-01"}, "created_before"),
        ({"list_id": "../x"}, "list_id"),
        ({"tag": "a\nb"}, "tag"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(query, field):
    with pytest.raises(BadRequest) as bad:
        parse_filters(query)
    assert bad.value.details["field"] == field
