"""The ``DomainStore`` contract: ``FakeDomains`` and ``DynamoDomainRepository`` pass the same
tests (round trip, tenant isolation, name claims, paging, deletes, the re-verification
schedule)."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from chalicelib.core.errors import BadRequest, Conflict
from chalicelib.core.pagination import decode_token
from chalicelib.core.tenancy import TenantContext
from chalicelib.domains.ports import DomainStore
from chalicelib.domains.rules.domains import CHECK_SHARDS, DkimKey, Domain, check_shard, new_domain
from tests.fakes.domains import FakeDomains
from tests.functional.twins import TWINS, new_tenant, twin, walk

NOW = "2026-11-28T12:00:00.000Z"
LATER = "2026-11-28T13:00:00.000Z"


@pytest.fixture(params=TWINS)
def store(request) -> DomainStore:
    def real() -> DomainStore:
        from chalicelib.domains.wiring import store

        return store()

    return twin(request, FakeDomains, real)


@pytest.fixture
def ctx() -> TenantContext:
    return new_tenant()


def _name() -> str:
    return f"d{uuid.uuid4().hex[:12]}.test"


def _domain(ctx: TenantContext, name: str | None = None) -> Domain:
    key = DkimKey("pm20261128", "MIIBIjANBgkqh", "active", NOW)
    return new_domain(ctx.tenant_id, name or _name(), "manual", ("192.0.2.10",), (), key, NOW)


def _saved(store: DomainStore, ctx: TenantContext, count: int) -> list[Domain]:
    domains = [_domain(ctx) for _ in range(count)]
    for d in domains:
        store.save(ctx, d, LATER)
    return sorted(domains, key=lambda d: d.domain_id)


def test_a_saved_domain_reads_back_whole(store, ctx):
    # given: a domain with every optional part set
    domain = replace(
        _domain(ctx),
        dkim_keys=(
            DkimKey("pm20261128", "MIIBactive", "active", NOW),
            DkimKey("pm20261129", "MIIBpending", "pending", LATER),
        ),
        spf_includes=("_spf.mail.test",),
        status="verified",
        checks=({"kind": "spf", "status": "pass", "found": ["v=spf1 -all"]},),
        last_checked_at=NOW,
        verified_at=NOW,
        sending_blocked=True,
        hosted_zone_id="Z123",
        name_servers=("ns-1.test", "ns-2.test"),
    )

    # when
    store.save(ctx, domain, LATER)

    # then
    assert store.get(ctx, domain.domain_id) == domain


def test_saving_again_replaces_the_domain(store, ctx):
    domain = _domain(ctx)
    store.save(ctx, domain, LATER)
    changed = replace(domain, status="failed", updated_at=LATER)
    store.save(ctx, changed, LATER)
    assert store.get(ctx, domain.domain_id) == changed
    assert store.count(ctx) == 1


def test_an_unknown_id_is_not_found(store, ctx):
    assert store.get(ctx, "dom_nosuchdomainnosuchd") is None


def test_another_tenants_domain_is_not_found_anywhere(store, ctx):
    # given
    domain = _domain(ctx)
    store.save(ctx, domain, LATER)
    other = new_tenant()

    # then
    assert store.get(other, domain.domain_id) is None
    assert store.list(other, 10, None).items == []
    assert store.all_names(other) == {}
    assert store.count(other) == 0


def test_a_name_is_claimed_by_one_tenant_only(store, ctx):
    # given
    name, other = _name(), new_tenant()
    store.claim(ctx, name, "dom_first")

    # when / then: nobody may claim it again, not even its holder
    with pytest.raises(Conflict) as refused:
        store.claim(other, name, "dom_second")
    assert refused.value.details == {"field": "name"}
    assert ctx.tenant_id not in refused.value.message
    with pytest.raises(Conflict):
        store.claim(ctx, name, "dom_third")


def test_only_the_holder_releases_a_claim(store, ctx):
    # given
    name, other = _name(), new_tenant()
    store.claim(ctx, name, "dom_first")

    # when: another tenant's release is ignored
    store.release(other, name)

    # then
    with pytest.raises(Conflict):
        store.claim(other, name, "dom_second")
    store.release(ctx, name)
    store.claim(other, name, "dom_second")  # free once its holder released it


def test_releasing_an_unclaimed_name_does_nothing(store, ctx):
    store.release(ctx, _name())


def test_domains_list_in_id_order_with_exact_tokens(store, ctx):
    # given
    domains = _saved(store, ctx, 5)

    # when
    pages = walk(lambda token: store.list(ctx, 2, token))

    # then
    assert [[d.domain_id for d in p.items] for p in pages] == [
        [d.domain_id for d in domains[0:2]],
        [d.domain_id for d in domains[2:4]],
        [domains[4].domain_id],
    ]
    assert [p.next_token is None for p in pages] == [False, False, True]
    assert decode_token(pages[0].next_token, {"sk"}) == {"sk": domains[1].domain_id}
    assert pages[0].items == domains[0:2]


def test_a_full_last_page_has_no_token(store, ctx):
    domains = _saved(store, ctx, 4)
    pages = walk(lambda token: store.list(ctx, 2, token))
    assert [len(p.items) for p in pages] == [2, 2]
    assert pages[-1].next_token is None
    assert [d for p in pages for d in p.items] == domains


def test_a_small_listing_is_one_page(store, ctx):
    domains = _saved(store, ctx, 3)
    assert store.list(ctx, 10, None).items == domains
    assert store.list(ctx, 10, None).next_token is None
    assert store.list(new_tenant(), 10, None).items == []


def test_a_token_this_store_did_not_issue_is_refused(store, ctx):
    with pytest.raises(BadRequest):
        store.list(ctx, 10, "not-a-token")


def test_names_and_count_cover_the_tenants_domains(store, ctx):
    domains = _saved(store, ctx, 3)
    assert store.all_names(ctx) == {d.name: d.domain_id for d in domains}
    assert store.count(ctx) == 3


def test_a_deleted_domain_is_gone_everywhere(store, ctx):
    # given
    kept, gone = _saved(store, ctx, 2)

    # when
    store.delete(ctx, gone.domain_id)

    # then
    assert store.get(ctx, gone.domain_id) is None
    assert store.list(ctx, 10, None).items == [kept]
    assert store.all_names(ctx) == {kept.name: kept.domain_id}
    assert store.count(ctx) == 1
    store.delete(ctx, gone.domain_id)  # deleting twice does nothing


# The schedule is platform-wide (every tenant's domains): these tests check far in the past
# so no other test's domain is due, and delete theirs when done.


@pytest.fixture
def scheduled(store, ctx):
    saved: list[Domain] = []

    def schedule(next_check_at: str) -> Domain:
        domain = _domain(ctx)
        store.save(ctx, domain, next_check_at)
        saved.append(domain)
        return domain

    yield schedule
    for domain in saved:
        store.delete(ctx, domain.domain_id)


def _at(minute: int) -> str:
    return f"1001-01-01T00:{minute:02d}:00.000Z"


def test_due_domains_come_shard_by_shard_earliest_first(store, ctx, scheduled):
    # given: eight due domains, two not yet due
    due = [scheduled(_at(m)) for m in range(10, 18)]
    times = {d.domain_id: _at(10 + i) for i, d in enumerate(due)}
    for m in (40, 41):
        scheduled(_at(m))
    expected = sorted(
        ((ctx.tenant_id, d.domain_id) for d in due),
        key=lambda p: (int(check_shard(p[1])), times[p[1]]),
    )

    # when
    found = store.due(_at(30), CHECK_SHARDS, 100)

    # then
    assert found == expected
    assert store.due(_at(30), CHECK_SHARDS, 3) == expected[:3]
    assert store.due(_at(9), CHECK_SHARDS, 100) == []


def test_due_reads_only_the_shards_asked_for(store, ctx, scheduled):
    due = [scheduled(_at(m)) for m in range(10, 18)]
    found = store.due(_at(30), 2, 100)
    assert {d for _, d in found} == {
        d.domain_id for d in due if check_shard(d.domain_id) in {"0", "1"}
    }


def test_a_domain_saved_with_a_later_check_is_no_longer_due(store, ctx, scheduled):
    # given
    domain = scheduled(_at(10))
    assert store.due(_at(30), CHECK_SHARDS, 100) == [(ctx.tenant_id, domain.domain_id)]

    # when: verification ran and put the next check in the future
    store.save(ctx, domain, _at(50))

    # then
    assert store.due(_at(30), CHECK_SHARDS, 100) == []
    assert store.due(_at(50), CHECK_SHARDS, 100) == [(ctx.tenant_id, domain.domain_id)]
