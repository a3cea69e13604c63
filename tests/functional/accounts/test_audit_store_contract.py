"""The ``AuditStore`` contract: ``FakeAudit`` and ``DynamoAuditRepository`` pass the same
tests (newest first, exact tokens, tenant isolation)."""

from __future__ import annotations

import pytest

from chalicelib.accounts.ports import AuditStore
from chalicelib.accounts.rules.audit import AuditRecord, new_record
from chalicelib.core.errors import BadRequest
from chalicelib.core.pagination import decode_token
from chalicelib.core.tenancy import TenantContext
from tests.fakes.accounts import FakeAudit
from tests.functional.twins import TWINS, new_tenant, twin, walk


@pytest.fixture(params=TWINS)
def store(request) -> AuditStore:
    def real() -> AuditStore:
        from chalicelib.accounts.wiring import audit

        return audit()

    return twin(request, FakeAudit, real)


@pytest.fixture
def ctx() -> TenantContext:
    return new_tenant()


def _record(ctx: TenantContext, at: str, action: str = "api_key.create") -> AuditRecord:
    return new_record(ctx.tenant_id, action, "key_abc", "key_res", "req-1", "192.0.2.1", at)


def _at(minute: int) -> str:
    return f"2026-11-28T12:{minute:02d}:00.000Z"


def test_records_list_newest_first_with_exact_tokens(store, ctx):
    # given: appended out of order
    records = [_record(ctx, _at(m)) for m in (3, 1, 4, 0, 2)]
    for r in records:
        store.append(r)
    newest_first = sorted(records, key=lambda r: r.occurred_at, reverse=True)

    # when
    pages = walk(lambda token: store.list(ctx, 2, token))

    # then
    assert [p.items for p in pages] == [newest_first[0:2], newest_first[2:4], newest_first[4:]]
    assert [p.next_token is None for p in pages] == [False, False, True]
    last = newest_first[1]
    assert decode_token(pages[0].next_token, {"sk"}) == {
        "sk": f"{last.occurred_at}#{last.audit_id}"
    }


def test_records_of_the_same_moment_list_by_id_newest_first(store, ctx):
    records = [_record(ctx, _at(5), action) for action in ("a.one", "a.two", "a.three")]
    for r in records:
        store.append(r)
    listed = store.list(ctx, 10, None)
    assert listed.items == sorted(records, key=lambda r: r.audit_id, reverse=True)
    assert listed.next_token is None


def test_a_full_last_page_has_no_token(store, ctx):
    records = [_record(ctx, _at(m)) for m in range(4)]
    for r in records:
        store.append(r)
    pages = walk(lambda token: store.list(ctx, 2, token))
    assert [len(p.items) for p in pages] == [2, 2]
    assert [r for p in pages for r in p.items] == records[::-1]


def test_another_tenants_records_are_not_listed(store, ctx):
    store.append(_record(ctx, _at(1)))
    assert store.list(new_tenant(), 10, None).items == []


def test_a_record_reads_back_whole(store, ctx):
    record = new_record(ctx.tenant_id, "tenant.update", "admin", None, "req-9", "::1", _at(7))
    store.append(record)
    assert store.list(ctx, 10, None).items == [record]


def test_a_token_this_store_did_not_issue_is_refused(store, ctx):
    with pytest.raises(BadRequest):
        store.list(ctx, 10, "e30")  # {}
