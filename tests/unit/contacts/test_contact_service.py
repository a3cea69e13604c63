"""The contacts use cases over the twins: create (409 naming the holder of an address),
change (claims move, nothing written when nothing changes), delete, the list filter, adding
members all-or-nothing, and the person's export and erasure through the registered sources."""

from __future__ import annotations

import pytest

from chalicelib.contacts.rules.contacts import ContactDraft
from chalicelib.contacts.rules.filters import ContactFilter
from chalicelib.contacts.service import contacts as service
from chalicelib.contacts.service import lists as list_service
from chalicelib.contacts.service import privacy
from chalicelib.core.errors import Conflict, NotFound, UnprocessableEntity
from tests.fakes.contacts import fake_ports

T = "ten_" + "a" * 20


@pytest.fixture
def ports():
    return fake_ports()


@pytest.fixture
def sources():
    """Two registered personal-data sources and no others, for this test only."""
    held = {"messages": [], "replies": []}

    def source(name):
        def export(tenant_id, contact):
            return [f"{name} of {contact.email}"]

        def erase(tenant_id, contact):
            held[name].append((tenant_id, contact.contact_id))
            return 2

        return export, erase

    others = dict(privacy._sources)  # what app.py registered, when a test imported it
    privacy._sources.clear()
    for name in held:
        privacy.register_personal_data(name, *source(name))
    yield held
    privacy._sources.clear()
    privacy._sources.update(others)


def test_an_existing_address_is_a_409_naming_its_contact(ports):
    first = service.create(ports, T, ContactDraft("ann@example.test"))
    with pytest.raises(Conflict) as conflict:
        service.create(ports, T, ContactDraft(" ANN@example.test"))
    assert conflict.value.details == {"field": "email", "id": first.contact_id}


def test_a_create_with_an_unknown_list_is_a_422_naming_lists(ports):
    with pytest.raises(UnprocessableEntity) as bad:
        service.create(ports, T, ContactDraft("a@example.test", lists=("lst_aaaaaaaaaaaaaaaa",)))
    assert bad.value.details["field"] == "lists"
    assert ports.contacts.data.contacts == {}


def test_a_change_that_changes_nothing_writes_nothing(ports):
    contact = service.create(ports, T, ContactDraft("ann@example.test", "Ann"))
    ports.clock.advance(5)
    assert service.update(ports, T, contact.contact_id, {"first_name": "Ann"}) == contact
    assert [e["type"] for e in ports.contacts.data.events] == ["contact.created"]


def test_a_new_address_moves_the_claim(ports):
    contact = service.create(ports, T, ContactDraft("ann@example.test"))
    ports.clock.advance(1)
    after = service.update(
        ports, T, contact.contact_id, {"email": "Ann@New.test", "status": "bounced"}
    )
    assert (after.email, after.status) == ("ann@new.test", "bounced")
    updated = ports.contacts.data.events[-1]
    assert (updated["type"], updated["changes"]) == ("contact.updated", ["email", "status"])
    assert "ann@new.test" not in str(updated)  # no personal data in events
    service.create(ports, T, ContactDraft("ann@example.test"))  # the old address is free


def test_another_tenants_contact_is_not_found(ports):
    contact = service.create(ports, T, ContactDraft("ann@example.test"))
    with pytest.raises(NotFound):
        service.find(ports, "ten_" + "b" * 20, contact.contact_id)
    with pytest.raises(NotFound):
        service.find(ports, T, "not-an-id")


def test_the_list_filter_reads_the_lists_members(ports):
    leads = list_service.create(ports, T, "Leads", None)
    inside = service.create(
        ports, T, ContactDraft("in@example.test", tags=("x",), lists=(leads.list_id,))
    )
    service.create(ports, T, ContactDraft("out@example.test", tags=("x",)))
    where = ContactFilter(list_id=leads.list_id, tag="x")
    assert service.page(ports, T, where, 10, None).items == [inside]
    with pytest.raises(UnprocessableEntity) as bad:
        service.page(ports, T, ContactFilter(list_id="lst_aaaaaaaaaaaaaaaa"), 10, None)
    assert bad.value.details["field"] == "list_id"


def test_adding_members_is_all_or_nothing(ports):
    leads = list_service.create(ports, T, "Leads", None)
    contact = service.create(ports, T, ContactDraft("in@example.test"))
    with pytest.raises(UnprocessableEntity) as bad:
        list_service.add_members(ports, T, leads.list_id, [contact.contact_id, "ctc_missing"])
    assert bad.value.details == {"field": "contact_ids", "ids": ["ctc_missing"]}
    assert ports.lists.members(T, leads.list_id, 10, None) == ([], None)
    assert list_service.add_members(ports, T, leads.list_id, [contact.contact_id] * 2) == 1


def test_the_export_holds_the_contact_its_lists_and_every_source(ports, sources):
    leads = list_service.create(ports, T, "Leads", None)
    contact = service.create(ports, T, ContactDraft("ann@example.test", lists=(leads.list_id,)))
    found = privacy.export(ports, T, contact.contact_id)
    assert found["contact"] == contact.to_public()
    assert found["lists"] == [leads.to_public()]
    assert found["sources"]["messages"] == ["messages of ann@example.test"]


def test_an_erasure_runs_every_source_suppresses_then_removes(ports, sources):
    # given
    leads = list_service.create(ports, T, "Leads", None)
    contact = service.create(ports, T, ContactDraft("ann@example.test", lists=(leads.list_id,)))
    # when
    counts = privacy.erase(ports, T, contact.contact_id)
    # then
    assert counts == {"messages": 2, "replies": 2}
    assert sources["replies"] == [(T, contact.contact_id)]
    assert ports.suppressions.suppressed == [(T, "ann@example.test", ports.clock.now_iso())]
    assert ports.contacts.get(T, contact.contact_id) is None
    assert ports.lists.members(T, leads.list_id, 10, None) == ([], None)
    erased = ports.contacts.data.events[-1]
    assert set(erased) == {
        "event_id",
        "type",
        "tenant_id",
        "occurred_at",
        "schema_version",
        "contact_id",
    }


def test_an_erasure_that_cannot_suppress_removes_nothing(ports, sources):
    contact = service.create(ports, T, ContactDraft("ann@example.test"))
    ports.suppressions.fail = True
    with pytest.raises(ConnectionError):
        privacy.erase(ports, T, contact.contact_id)
    assert ports.contacts.get(T, contact.contact_id) == contact


def test_a_source_name_is_checked():
    with pytest.raises(ValueError, match="named"):
        privacy.register_personal_data("Bad Name", lambda t, c: None, lambda t, c: 0)
