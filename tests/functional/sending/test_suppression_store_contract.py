"""The ``SuppressionStore`` contract: ``FakeSuppressions`` and ``DynamoSuppressionStore`` pass
the same tests (first entry kept, addresses in lower case, tenant and global lists, batch
checks, removal, pages in address order, an erased person's address found by its hash and
held nowhere in clear)."""

from __future__ import annotations

import uuid

import pytest

from chalicelib.core import ids
from chalicelib.core.errors import BadRequest
from chalicelib.core.pagination import decode_token
from chalicelib.sending.ports import SuppressionStore
from chalicelib.sending.rules.suppressions import GLOBAL_SCOPE, Suppression, hashed
from tests.fakes.sending import FakeSuppressions
from tests.functional.twins import TWINS, twin, walk

NOW = "2026-11-28T12:00:00.000Z"


@pytest.fixture(params=TWINS)
def store(request) -> SuppressionStore:
    def real() -> SuppressionStore:
        from chalicelib.sending.wiring import suppressions

        return suppressions()

    return twin(request, FakeSuppressions, real)


@pytest.fixture
def tenant_id() -> str:
    return ids.new_id("ten")


def _address() -> str:
    """An address no other test uses: the global list is shared by the tier."""
    return f"lead-{uuid.uuid4().hex[:10]}@example.test"


def _entry(address: str, scope: str = "tenant", reason: str = "hard bounce") -> Suppression:
    return Suppression(address, scope, reason, "bounce", NOW, "system")


def test_an_added_address_reads_back_in_lower_case(store, tenant_id):
    # given
    address = _address()

    # when
    added = store.add(tenant_id, _entry(f"  {address.upper()} "))

    # then
    assert added is True
    assert store.get(tenant_id, address) == _entry(address)
    assert store.get(tenant_id, address.upper()) == _entry(address)


def test_the_first_entry_for_an_address_is_kept(store, tenant_id):
    address = _address()
    store.add(tenant_id, _entry(address, reason="first"))
    assert store.add(tenant_id, _entry(address.upper(), reason="second")) is False
    assert store.get(tenant_id, address) == _entry(address, reason="first")


def test_an_unknown_or_foreign_address_is_not_found(store, tenant_id):
    address = _address()
    store.add(tenant_id, _entry(address))
    assert store.get(tenant_id, _address()) is None
    assert store.get(ids.new_id("ten"), address) is None


def test_a_global_entry_belongs_to_the_global_list(store, tenant_id):
    address = _address()
    assert store.add(tenant_id, _entry(address, "global")) is True
    assert store.get(GLOBAL_SCOPE, address) == _entry(address, "global")
    assert store.get(tenant_id, address) is None
    assert store.add(ids.new_id("ten"), _entry(address, "global")) is False


def test_a_check_names_the_scope_of_each_suppressed_pair(store, tenant_id):
    # given
    mine, everyone, both, free, theirs = (_address() for _ in range(5))
    other = ids.new_id("ten")
    store.add(tenant_id, _entry(mine))
    store.add(tenant_id, _entry(everyone, "global"))
    store.add(tenant_id, _entry(both))
    store.add(tenant_id, _entry(both, "global"))
    store.add(other, _entry(theirs))

    # when
    pairs = [(tenant_id, a.upper()) for a in (mine, everyone, both, free, theirs)]
    found = store.check(pairs + [(other, theirs), (other, mine)])

    # then: keys in lower case; the global list wins; another tenant's list does not apply
    assert found == {
        (tenant_id, mine): "tenant",
        (tenant_id, everyone): "global",
        (tenant_id, both): "global",
        (other, theirs): "tenant",
    }
    assert store.check([]) == {}


def test_a_removed_address_is_free_again(store, tenant_id):
    # given
    address = _address()
    store.add(tenant_id, _entry(address))

    # when
    removed = store.remove(tenant_id, address.upper())

    # then
    assert removed is True
    assert store.get(tenant_id, address) is None
    assert store.check([(tenant_id, address)]) == {}
    assert store.remove(tenant_id, address) is False
    assert store.add(tenant_id, _entry(address, reason="again")) is True


def test_a_tenant_cannot_remove_a_global_entry(store, tenant_id):
    address = _address()
    store.add(tenant_id, _entry(address, "global"))
    assert store.remove(tenant_id, address) is False
    assert store.check([(tenant_id, address)]) == {(tenant_id, address): "global"}


def test_entries_list_in_address_order_with_tokens(store, tenant_id):
    # given
    addresses = sorted(_address() for _ in range(5))
    for a in addresses:
        store.add(tenant_id, _entry(a))

    # when
    pages = walk(lambda token: store.list(tenant_id, 2, token))

    # then
    assert [[e.address for e in p.items] for p in pages] == [
        addresses[0:2],
        addresses[2:4],
        addresses[4:],
    ]
    assert [p.next_token is None for p in pages] == [False, False, True]
    assert decode_token(pages[0].next_token, {"sk"}) == {"sk": addresses[1]}
    assert pages[0].items == [_entry(a) for a in addresses[0:2]]


def test_another_tenants_entries_are_not_listed(store, tenant_id):
    store.add(tenant_id, _entry(_address()))
    assert store.list(ids.new_id("ten"), 10, None).items == []


def test_a_token_this_store_did_not_issue_is_refused(store, tenant_id):
    with pytest.raises(BadRequest):
        store.list(tenant_id, 10, "e30")


# --- an erased person's address: kept as its hash ---------------------------------------------


def test_a_hashed_entry_suppresses_its_address_for_the_check(store, tenant_id):
    # given the tenant's hashed entry for one address, and a hashed global one for another
    erased, global_erased = _address(), _address()
    store.add(tenant_id, _entry(hashed(erased)))
    store.add(tenant_id, _entry(hashed(global_erased), scope="global"))

    # when, then: both are suppressed by either spelling of the address, others are not
    free = _address()
    pairs = [(tenant_id, erased.upper()), (tenant_id, global_erased), (tenant_id, free)]
    assert store.check(pairs) == {
        (tenant_id, erased): "tenant",
        (tenant_id, global_erased): "global",
    }
    assert store.check([(ids.new_id("ten"), erased)]) == {}


def test_suppressed_among_finds_many_addresses_on_either_list(store, tenant_id):
    from chalicelib.sending.service.erasure import suppressed_among

    # given 60 addresses: one suppressed in clear, one hashed, one on the global list
    given = [_address() for _ in range(60)]
    store.add(tenant_id, _entry(given[3]))
    store.add(tenant_id, _entry(hashed(given[30])))
    store.add(tenant_id, _entry(given[59], scope="global"))

    # when, then: those three, as given (any case), and no other
    asked = [a.upper() if i == 3 else a for i, a in enumerate(given)]
    assert suppressed_among(store, tenant_id, asked) == {given[3].upper(), given[30], given[59]}
    assert suppressed_among(store, ids.new_id("ten"), given) == {given[59]}


def test_the_real_store_checks_many_addresses_in_batch_gets_of_100_keys(aws, tenant_id):
    from chalicelib.aws import clients
    from chalicelib.sending.service.erasure import suppressed_among
    from chalicelib.sending.wiring import suppressions

    # given every DynamoDB request the shared client makes, with the keys of each batch get
    client, calls = clients.dynamodb(), []

    def seen(model, params, **_):
        keys = sum(len(v["Keys"]) for v in params.get("RequestItems", {}).values())
        calls.append((model.name, keys))

    store = suppressions()
    store.add(tenant_id, _entry(hashed(erased := _address())))
    given = [_address() for _ in range(59)] + [erased]
    client.meta.events.register("before-parameter-build.dynamodb", seen)
    try:
        # when 60 addresses are checked (4 keys each: both lists, in clear and hashed)
        found = suppressed_among(store, tenant_id, given)
    finally:
        client.meta.events.unregister("before-parameter-build.dynamodb", seen)

    # then three BatchGetItems of at most 100 keys, not one request per address
    assert found == {erased}
    assert calls == [("BatchGetItem", 100), ("BatchGetItem", 100), ("BatchGetItem", 40)]


def test_after_erasure_the_address_is_nowhere_in_clear(store, tenant_id):
    from chalicelib.sending.service.erasure import is_suppressed, suppress_erased

    # given the address suppressed in clear
    address = _address()
    store.add(tenant_id, _entry(address))

    # when the person is erased
    suppress_erased(store, tenant_id, address, NOW)

    # then it is still suppressed, and no entry of the tenant holds it in clear
    assert is_suppressed(store, tenant_id, address)
    entries = [e for page in walk(lambda t: store.list(tenant_id, 10, t)) for e in page.items]
    assert [e.address for e in entries] == [hashed(address)]
    local = address.split("@")[0]
    assert not any(local in str(v) for e in entries for v in vars(e).values())
