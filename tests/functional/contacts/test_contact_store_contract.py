"""The contacts ports' contract: the twins (``FakeContactStore``, ``FakeListStore``) and the
DynamoDB stores of ``ContactsTable`` pass the same tests: addresses unique per tenant through
the claim, lists checked in the create's transaction, stale writes refused, status changes
only from active, filtered pages, memberships both ways, field definitions, events written
with each change; and the ``ContactDirectory`` built on them behaves the same."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from chalicelib.contacts.ports import EmailTaken, StaleContact, UnknownList
from chalicelib.contacts.rules.checks import FieldDef
from chalicelib.contacts.rules.contacts import Contact, ContactDraft, new_contact
from chalicelib.contacts.rules.filters import ContactFilter
from chalicelib.contacts.rules.lists import new_list
from chalicelib.contacts.service.contacts import ContactPorts, event
from chalicelib.contacts.service.directory import Directory
from chalicelib.core import ids
from chalicelib.core.errors import BadRequest, UnprocessableEntity
from tests.fakes.contacts import fake_ports
from tests.fakes.core import FakeClock
from tests.functional.twins import TWINS, twin, walk

NOW = "2026-11-28T12:00:00.000Z"


@pytest.fixture(params=TWINS)
def ports(request) -> ContactPorts:
    def real() -> ContactPorts:
        from chalicelib.contacts.wiring import erased_suppressions, lists, store

        return ContactPorts(store(), lists(), FakeClock(), erased_suppressions())

    return twin(request, fake_ports, real)


@pytest.fixture
def tenant_id() -> str:
    return ids.new_id("ten")


def _contact(tenant_id: str, email: str = "ann@example.test", **extra) -> Contact:
    draft = ContactDraft(email, first_name="Ann", tags=("vip",), fields={"score": 3})
    return replace(new_contact(tenant_id, draft, NOW), **extra)


def _created(ports: ContactPorts, tenant_id: str, email: str = "ann@example.test", lists=()):
    contact = _contact(tenant_id, email)
    ports.contacts.create(contact, lists, event("created", contact, NOW, status="active", lists=[]))
    return contact


def _list(ports: ContactPorts, tenant_id: str, name: str = "Leads") -> str:
    found = new_list(tenant_id, name, None, NOW)
    ports.lists.save_list(found)
    return found.list_id


def _types(ports: ContactPorts, tenant_id: str) -> list[str]:
    """The types of the tenant's events, sorted (events of one millisecond have no order)."""
    return sorted(e["type"] for e in _events(ports, tenant_id))


def _events(ports: ContactPorts, tenant_id: str) -> list[dict]:
    data = getattr(ports.contacts, "data", None)
    if data is not None:
        return [e for e in data.events if e["tenant_id"] == tenant_id]
    from chalicelib.aws.outbox import OUTBOX

    table = OUTBOX.bind()
    reply = table.client.query(
        TableName=table.name,
        KeyConditionExpression="tenant_id = :t",
        ExpressionAttributeValues={":t": {"S": tenant_id}},
        ConsistentRead=True,
    )
    found = [e for item in reply["Items"] for e in json.loads(item["outbox"]["S"])]
    return sorted(found, key=lambda e: e["event_id"])


def test_a_created_contact_reads_back_by_id_and_by_address(ports, tenant_id):
    contact = _created(ports, tenant_id)
    assert ports.contacts.get(tenant_id, contact.contact_id) == contact
    assert ports.contacts.get_many(tenant_id, [contact.contact_id, "ctc_nope"]) == {
        contact.contact_id: contact
    }
    assert ports.contacts.claims(tenant_id, [contact.email, "x@example.test"]) == {
        contact.email: contact.contact_id
    }
    assert _types(ports, tenant_id) == ["contact.created"]


def test_an_address_belongs_to_one_contact_per_tenant(ports, tenant_id):
    # given
    first = _created(ports, tenant_id)
    # when the same address is created again
    with pytest.raises(EmailTaken) as taken:
        _created(ports, tenant_id)
    # then the holder is named and nothing else was stored
    assert taken.value.contact_id == first.contact_id
    assert ports.contacts.page(tenant_id, ContactFilter(), 10, None).items == [first]
    # and another tenant may hold the same address
    other = ids.new_id("ten")
    assert _created(ports, other).email == first.email
    assert ports.contacts.get(other, first.contact_id) is None


def test_a_create_naming_a_missing_list_stores_nothing(ports, tenant_id):
    kept = _list(ports, tenant_id)
    missing = ids.new_sortable_id("lst")
    with pytest.raises(UnknownList) as unknown:
        _created(ports, tenant_id, lists=[kept, missing])
    assert unknown.value.list_id == missing
    assert ports.contacts.claims(tenant_id, ["ann@example.test"]) == {}
    assert ports.lists.members(tenant_id, kept, 10, None) == ([], None)
    assert _events(ports, tenant_id) == []


def test_a_create_joins_its_lists(ports, tenant_id):
    one, two = _list(ports, tenant_id), _list(ports, tenant_id, "Two")
    contact = _created(ports, tenant_id, lists=[one, two])
    assert ports.lists.members(tenant_id, one, 10, None) == ([contact.contact_id], None)
    assert sorted(ports.lists.lists_of(tenant_id, contact.contact_id)) == sorted([one, two])


def test_replace_moves_the_claim_and_refuses_a_stale_or_taken_write(ports, tenant_id):
    # given
    ann, bob = _created(ports, tenant_id), _created(ports, tenant_id, "bob@example.test")
    moved = replace(ann, email="ann2@example.test", updated_at="2026-11-28T12:00:01.000Z")
    # when
    ports.contacts.replace(
        ann, moved, event("updated", moved, NOW, changes=["email"], status="active")
    )
    # then
    assert ports.contacts.get(tenant_id, ann.contact_id) == moved
    assert ports.contacts.claims(tenant_id, [ann.email, moved.email]) == {
        moved.email: ann.contact_id
    }
    with pytest.raises(StaleContact):
        ports.contacts.replace(
            ann,
            replace(ann, first_name="X"),
            event("updated", ann, NOW, changes=[], status="active"),
        )
    taken = replace(moved, email=bob.email, updated_at="2026-11-28T12:00:02.000Z")
    with pytest.raises(EmailTaken) as holder:
        ports.contacts.replace(
            moved, taken, event("updated", moved, NOW, changes=[], status="active")
        )
    assert holder.value.contact_id == bob.contact_id
    assert ports.contacts.get(tenant_id, ann.contact_id) == moved


def test_status_changes_only_from_active(ports, tenant_id):
    contact = _created(ports, tenant_id)
    changed = event(
        "updated", contact, "2026-11-28T12:00:05.000Z", changes=["status"], status="replied"
    )
    assert ports.contacts.set_status(contact, "replied", "reply", changed) is True
    stored = ports.contacts.get(tenant_id, contact.contact_id)
    assert (stored.status, stored.updated_at) == ("replied", "2026-11-28T12:00:05.000Z")
    assert ports.contacts.set_status(stored, "bounced", "bounce", changed) is False
    assert ports.contacts.get(tenant_id, contact.contact_id).status == "replied"


def test_a_deleted_contact_frees_its_address(ports, tenant_id):
    contact = _created(ports, tenant_id)
    assert ports.contacts.delete(contact, event("deleted", contact, NOW)) is True
    assert ports.contacts.get(tenant_id, contact.contact_id) is None
    assert ports.contacts.claims(tenant_id, [contact.email]) == {}
    assert ports.contacts.delete(contact, event("deleted", contact, NOW)) is False
    assert _types(ports, tenant_id) == ["contact.created", "contact.deleted"]


def test_pages_walk_every_contact_in_id_order_and_filter_each_page(ports, tenant_id):
    # given five contacts, two of them tagged "b2b"
    made = []
    for n in range(5):
        contact = _contact(tenant_id, f"p{n}@example.test", tags=("b2b",) if n % 2 else ())
        ports.contacts.create(
            contact, [], event("created", contact, NOW, status="active", lists=[])
        )
        made.append(contact)
    # when every page is read, with and without the filter
    everyone = walk(lambda t: ports.contacts.page(tenant_id, ContactFilter(), 2, t))
    tagged = walk(lambda t: ports.contacts.page(tenant_id, ContactFilter(tag="b2b"), 2, t))
    # then
    assert [c for p in everyone for c in p.items] == sorted(made, key=lambda c: c.contact_id)
    assert {c.contact_id for p in tagged for c in p.items} == {
        made[1].contact_id,
        made[3].contact_id,
    }
    assert ports.contacts.page(ids.new_id("ten"), ContactFilter(), 10, None).items == []


def test_created_range_and_status_filters(ports, tenant_id):
    old = _contact(tenant_id, "old@example.test", created_at="2026-01-01T00:00:00.000Z")
    new = _contact(
        tenant_id, "new@example.test", created_at="2026-06-01T00:00:00.000Z", status="bounced"
    )
    for c in (old, new):
        ports.contacts.create(c, [], event("created", c, NOW, status="active", lists=[]))
    after = ContactFilter(created_after="2026-06-01T00:00:00.000Z")
    before = ContactFilter(created_before="2026-06-01T00:00:00.000Z")
    assert ports.contacts.page(tenant_id, after, 10, None).items == [new]
    assert ports.contacts.page(tenant_id, before, 10, None).items == [old]
    assert ports.contacts.page(tenant_id, ContactFilter(status="bounced"), 10, None).items == [new]


def test_a_token_of_another_listing_is_refused(ports, tenant_id):
    list_id = _list(ports, tenant_id)
    for n in range(3):
        _created(ports, tenant_id, f"m{n}@example.test", lists=[list_id])
    members_token = ports.lists.members(tenant_id, list_id, 1, None)[1]
    with pytest.raises(BadRequest):
        ports.contacts.page(tenant_id, ContactFilter(), 10, members_token)
    with pytest.raises(BadRequest):
        ports.lists.lists_page(tenant_id, 10, "%%%")


def test_memberships_are_added_read_and_removed_both_ways(ports, tenant_id):
    # given
    list_id = _list(ports, tenant_id)
    contacts = [_created(ports, tenant_id, f"m{n}@example.test") for n in range(3)]
    ids_ = [c.contact_id for c in contacts]
    # when
    ports.lists.add_members(tenant_id, list_id, ids_ + ids_[:1], NOW)
    # then
    pages = walk(lambda t: _as_page(ports.lists.members(tenant_id, list_id, 2, t)))
    assert [c for p in pages for c in p.items] == sorted(ids_)
    assert ports.lists.memberships(tenant_id, [(list_id, ids_[0]), (list_id, "ctc_x")]) == {
        (list_id, ids_[0])
    }
    assert ports.lists.remove_member(tenant_id, list_id, ids_[0]) is True
    assert ports.lists.remove_member(tenant_id, list_id, ids_[0]) is False
    ports.lists.leave_all(tenant_id, ids_[1])
    assert ports.lists.members(tenant_id, list_id, 10, None)[0] == [ids_[2]]
    assert ports.lists.lists_of(tenant_id, ids_[1]) == []


def test_a_deleted_list_takes_its_memberships_along(ports, tenant_id):
    gone, kept = _list(ports, tenant_id), _list(ports, tenant_id, "Kept")
    contact = _created(ports, tenant_id, lists=[gone, kept])
    ports.lists.delete_list(tenant_id, gone)
    assert ports.lists.get_list(tenant_id, gone) is None
    assert ports.lists.lists_of(tenant_id, contact.contact_id) == [kept]
    assert [lst.list_id for lst in ports.lists.lists_page(tenant_id, 10, None).items] == [kept]


def test_field_definitions_are_unique_by_name(ports, tenant_id):
    assert ports.lists.add_field(tenant_id, FieldDef("score", "number", NOW)) is True
    assert ports.lists.add_field(tenant_id, FieldDef("score", "string", NOW)) is False
    ports.lists.add_field(tenant_id, FieldDef("birthday", "date", NOW))
    assert ports.lists.field_defs(tenant_id) == [
        FieldDef("birthday", "date", NOW),
        FieldDef("score", "number", NOW),
    ]
    assert ports.lists.field_defs(ids.new_id("ten")) == []


def test_the_directory_upserts_idempotently(ports, tenant_id):
    # given a declared field and a list
    ports.lists.add_field(tenant_id, FieldDef("score", "number", NOW))
    list_id = _list(ports, tenant_id)
    directory = Directory(ports)
    drafts = [
        ContactDraft(" Ann@Example.TEST ", first_name="Ann", tags=("a",), fields={"score": "4"}),
        ContactDraft("bob@example.test", lists=(list_id,)),
    ]
    # when the same drafts come twice, then a richer one
    first = directory.upsert_many(tenant_id, drafts)
    again = directory.upsert_many(tenant_id, drafts)
    richer = directory.upsert_many(
        tenant_id, [ContactDraft("ann@example.test", company="Acme", tags=("b",), lists=(list_id,))]
    )
    # then
    assert [o.outcome for o in first] == ["created", "created"]
    assert [o.outcome for o in again] == ["unchanged", "unchanged"]
    assert [o.outcome for o in richer] == ["updated"]
    ann = directory.find_by_email(tenant_id, "ANN@example.test")
    assert (ann.company, ann.first_name, ann.tags, ann.fields) == (
        "Acme",
        "Ann",
        ("a", "b"),
        {"score": 4},
    )
    assert sorted(directory.list_members(tenant_id, list_id, 10, None)[0]) == sorted(
        o.contact_id for o in first
    )
    assert _types(ports, tenant_id) == ["contact.created", "contact.created", "contact.updated"]


def test_the_directory_refuses_a_bad_draft_before_writing(ports, tenant_id):
    directory = Directory(ports)
    with pytest.raises(UnprocessableEntity) as bad:
        directory.upsert_many(tenant_id, [ContactDraft("ok@example.test"), ContactDraft("nope")])
    assert bad.value.details["field"] == "email"
    assert ports.contacts.claims(tenant_id, ["ok@example.test"]) == {}
    assert directory.list_exists(tenant_id, ids.new_sortable_id("lst")) is False
    assert directory.set_status(tenant_id, ids.new_sortable_id("ctc"), "replied", "r", NOW) is False


def _as_page(pair):
    from chalicelib.core.pagination import Page

    return Page(pair[0], pair[1])
