"""The ``ApiKeyStore`` contract: ``FakeApiKeys`` and ``DynamoApiKeyRepository`` pass the same
tests (round trip, tenant isolation, key id order with exact tokens, revocation)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.accounts.ports import ApiKeyStore
from chalicelib.accounts.rules.keys import ApiKey, mint_key
from chalicelib.core.errors import BadRequest
from chalicelib.core.pagination import decode_token, encode_token
from chalicelib.core.tenancy import TenantContext
from tests.fakes.accounts import FakeApiKeys
from tests.functional.twins import TWINS, new_tenant, refused, twin, walk

NOW = "2026-11-28T12:00:00.000Z"
LATER = "2026-11-28T13:00:00.000Z"


@pytest.fixture(params=TWINS)
def store(request) -> ApiKeyStore:
    def real() -> ApiKeyStore:
        from chalicelib.accounts.wiring import api_keys

        return api_keys()

    return twin(request, FakeApiKeys, real)


@pytest.fixture
def ctx() -> TenantContext:
    return new_tenant()


def _key(ctx: TenantContext, name: str = "ci", scope: str = "full") -> ApiKey:
    return mint_key(ctx.tenant_id, name, scope, NOW)[1]


def _created(store: ApiKeyStore, ctx: TenantContext, count: int) -> list[ApiKey]:
    keys = [_key(ctx, f"k{n}") for n in range(count)]
    for key in keys:
        store.create(key)
    return sorted(keys, key=lambda k: k.key_id)


def test_a_created_key_is_found_and_read_back_whole(store, ctx):
    key = _key(ctx, scope="send")
    store.create(key)
    assert store.find(ctx.tenant_id, key.key_id) == key
    assert store.get(ctx, key.key_id) == key


def test_an_unknown_key_is_not_found(store, ctx):
    other = _key(ctx)
    assert store.find(ctx.tenant_id, other.key_id) is None
    assert store.get(ctx, other.key_id) is None


def test_another_tenants_key_is_not_found(store, ctx):
    key = _key(ctx)
    store.create(key)
    other = new_tenant()
    assert store.find(other.tenant_id, key.key_id) is None
    assert store.get(other, key.key_id) is None
    assert store.list(other, 10, None).items == []


def test_creating_an_existing_key_is_refused_and_keeps_the_first(store, ctx):
    key = _key(ctx)
    store.create(key)
    assert refused(lambda: store.create(replace(key, name="impostor")))
    assert store.get(ctx, key.key_id) == key


def test_keys_list_in_key_id_order_with_exact_tokens(store, ctx):
    # given
    keys = _created(store, ctx, 5)

    # when
    pages = walk(lambda token: store.list(ctx, 2, token))

    # then
    assert [p.items for p in pages] == [keys[0:2], keys[2:4], keys[4:]]
    assert [p.next_token is None for p in pages] == [False, False, True]
    assert decode_token(pages[0].next_token, {"key_id"}) == {"key_id": keys[1].key_id}


def test_a_full_last_page_has_no_token(store, ctx):
    keys = _created(store, ctx, 4)
    pages = walk(lambda token: store.list(ctx, 2, token))
    assert [p.items for p in pages] == [keys[0:2], keys[2:4]]
    assert store.list(ctx, 4, None).next_token is None


def test_a_token_this_store_did_not_issue_is_refused(store, ctx):
    _created(store, ctx, 3)
    token_of_another_listing = encode_token({"sk": "key_a"})
    with pytest.raises(BadRequest):
        store.list(ctx, 2, token_of_another_listing)


def test_revoking_stamps_the_key_once(store, ctx):
    # given
    key = _key(ctx)
    store.create(key)

    # when
    revoked = store.revoke(ctx, key.key_id, LATER)
    again = store.revoke(ctx, key.key_id, "2026-11-29T00:00:00.000Z")

    # then: the first revocation's time stays
    assert revoked is not None and revoked.revoked_at == LATER and not revoked.active
    assert again == revoked
    assert store.get(ctx, key.key_id) == revoked


def test_revoking_an_unknown_or_foreign_key_finds_nothing(store, ctx):
    key = _key(ctx)
    store.create(key)
    other = new_tenant()
    assert store.revoke(other, key.key_id, LATER) is None
    assert store.revoke(ctx, _key(ctx).key_id, LATER) is None
    assert store.get(ctx, key.key_id) == key
