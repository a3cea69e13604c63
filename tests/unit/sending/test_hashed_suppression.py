"""An erased person's suppression (``suppress_erased``): the address kept only as its hash,
honoured by ``is_suppressed`` and by the send guard ``hold_if_suppressed``, never held in
clear in the suppression list, and its event naming the hash."""

from __future__ import annotations

from chalicelib.sending.rules.suppressions import Suppression, hashed
from chalicelib.sending.service.erasure import is_suppressed, suppress_erased, suppressed_among
from tests.fakes.sending import FakeSuppressions, memory_world, run_batch
from tests.fakes.smtp import SmtpSink
from tests.integration.event_contract import event_problems

TENANT = "ten_" + "a" * 20
AT = "2026-11-28T12:00:00.000Z"


def _entry(address: str, source: str = "unsubscribe", scope: str = "tenant") -> Suppression:
    return Suppression(address, scope, "unsubscribed", source, AT, "recipient")


def _clear_anywhere(store: FakeSuppressions, address: str) -> bool:
    fields = [str(v) for entry in store.entries.values() for v in vars(entry).values()]
    keys = [k for _, k in store.entries]
    return any(address.lower() in text.lower() for text in fields + keys)


def test_after_erasure_the_address_is_suppressed_only_by_its_hash():
    # given an address the tenant had suppressed in clear
    store = FakeSuppressions()
    store.add(TENANT, _entry("Ann@Example.test"))

    # when the person is erased
    suppress_erased(store, TENANT, "ann@example.test", AT)

    # then it is still suppressed, any case, but nowhere in clear
    assert is_suppressed(store, TENANT, "ANN@example.test")
    assert not _clear_anywhere(store, "ann@example.test")
    [(owner, key)] = store.entries
    assert (owner, key) == (TENANT, hashed("ann@example.test")) and "@" not in key
    assert store.entries[(owner, key)].source == "erasure"


def test_the_erasure_event_names_the_hash_and_erasing_again_changes_nothing():
    store = FakeSuppressions()
    suppress_erased(store, TENANT, "ann@example.test", AT)
    suppress_erased(store, TENANT, "ann@example.test", AT)
    [event] = store.outbox.published
    assert event["type"] == "recipient.suppressed" and event["source"] == "erasure"
    assert event["address"] == hashed("ann@example.test")
    assert "ann" not in str(event) and event_problems(event) == []
    assert len(store.entries) == 1


def test_is_suppressed_sees_the_tenant_and_global_lists_in_clear_or_hashed():
    store = FakeSuppressions()
    store.add(TENANT, _entry("plain@example.test"))
    store.add(TENANT, _entry("global@example.test", "manual", scope="global"))
    store.add(TENANT, _entry(hashed("hidden-global@example.test"), "manual", scope="global"))
    for address in ("plain@example.test", "global@example.test", "hidden-global@example.test"):
        assert is_suppressed(store, TENANT, address)
    assert not is_suppressed(store, TENANT, "free@example.test")
    assert not is_suppressed(store, "ten_" + "b" * 20, "plain@example.test")
    assert store.check([(TENANT, "HIDDEN-global@example.test")]) == {
        (TENANT, "hidden-global@example.test"): "global"
    }


def test_suppressed_among_names_the_given_addresses_on_either_list_in_clear_or_hashed():
    # given plain and hashed entries on the tenant's list and the global one
    store = FakeSuppressions()
    store.add(TENANT, _entry("plain@example.test"))
    store.add(TENANT, _entry(hashed("erased@example.test")))
    store.add(TENANT, _entry("global@example.test", "manual", scope="global"))
    store.add(TENANT, _entry(hashed("hidden-global@example.test"), "manual", scope="global"))
    given = [
        "Plain@Example.test",
        "erased@example.test",
        "global@example.test",
        "HIDDEN-global@example.test",
        "free@example.test",
        "Plain@Example.test",
    ]

    # when, then: each suppressed address comes back as it was given, the free one does not
    assert suppressed_among(store, TENANT, given) == {
        "Plain@Example.test",
        "erased@example.test",
        "global@example.test",
        "HIDDEN-global@example.test",
    }
    assert suppressed_among(store, "ten_" + "b" * 20, given) == {
        "global@example.test",
        "HIDDEN-global@example.test",
    }
    assert suppressed_among(store, TENANT, []) == set()


def test_a_send_to_an_erased_address_is_held_by_the_guard():
    # given an erased person, and a message to them still waiting to go
    sink = SmtpSink()
    world = memory_world(sink.factory)
    tenant_id = world.tenant.tenant_id
    suppress_erased(world.suppressions, tenant_id, "lead@example.test", AT)
    message = world.message("Lead@Example.test")

    # when the worker gets to it
    assert run_batch(world, message) == ["suppressed"]

    # then nothing was sent, and the guard said why
    last = world.messages.get(tenant_id, message.message_id).timeline[-1]
    assert last["step"] == "hold_if_suppressed"
    assert last["reason"] == "recipient on the tenant's list"
    assert sink.accepted == []
