"""The imports' ``DirectoryWriter.suppressed`` over the real suppression list: a chunk's
addresses checked together (tenant and global lists, plain or hashed) in BatchGetItems,
not one request per address."""

from __future__ import annotations

from chalicelib.core import ids
from chalicelib.sending.rules.suppressions import Suppression, hashed

AT = "2026-11-28T12:00:00.000Z"


def _entry(address: str, scope: str = "tenant") -> Suppression:
    return Suppression(address, scope, "unsubscribed", "manual", AT, "system")


def test_a_chunks_suppressed_addresses_are_found_in_one_batch_get(aws):
    from chalicelib import sending
    from chalicelib.aws import clients
    from chalicelib.imports.neighbours import DirectoryWriter

    # given a tenant's plain and hashed suppressions and a global one, among 20 addresses
    tenant_id, tag = ids.new_id("ten"), ids.new_id("x")[-8:].lower()
    given = [f"row{i}-{tag}@example.test" for i in range(20)]
    store = sending.suppressions()
    store.add(tenant_id, _entry(given[2]))
    store.add(tenant_id, _entry(hashed(given[11])))
    store.add(tenant_id, _entry(given[19], scope="global"))
    operations: list[str] = []

    def seen(model, **_):
        operations.append(model.name)

    client = clients.dynamodb()
    client.meta.events.register("before-call.dynamodb", seen)
    try:
        # when the import checks the chunk (one address in another case)
        found = DirectoryWriter().suppressed(tenant_id, [*given[:2], given[2].upper(), *given[3:]])
    finally:
        client.meta.events.unregister("before-call.dynamodb", seen)

    # then the three, as given, in one BatchGetItem (80 keys)
    assert found == {given[2].upper(), given[11], given[19]}
    assert operations == ["BatchGetItem"]
