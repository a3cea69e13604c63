"""The ``MailboxStore`` contract: ``FakeMailboxes`` and ``DynamoMailboxRepository`` pass the
same tests (round trip, one address per tenant, tenant isolation, paging, deletes, the poll
shards)."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from chalicelib.core.errors import BadRequest, Conflict
from chalicelib.core.pagination import decode_token
from chalicelib.core.tenancy import TenantContext
from chalicelib.mailboxes.ports import MailboxStore
from chalicelib.mailboxes.rules import (
    POLL_SHARDS,
    Mailbox,
    ServerSettings,
    new_mailbox,
    new_mailbox_id,
)
from chalicelib.mailboxes.store import poll_shard
from tests.fakes.mailboxes import FakeMailboxes
from tests.functional.twins import TWINS, new_tenant, twin, walk

NOW = "2026-11-28T12:00:00.000Z"
SHARDS = [f"p{n}" for n in range(POLL_SHARDS)]


@pytest.fixture(params=TWINS)
def store(request) -> MailboxStore:
    def real() -> MailboxStore:
        from chalicelib.mailboxes.wiring import store

        return store()

    return twin(request, FakeMailboxes, real)


@pytest.fixture
def ctx() -> TenantContext:
    return new_tenant()


def _mailbox(ctx: TenantContext, email: str | None = None) -> Mailbox:
    email = email or f"m{uuid.uuid4().hex[:10]}@mail.test"
    smtp = ServerSettings("smtp.mail.test", 587, "starttls", email, "pm/smtp/secret")
    return new_mailbox(
        ctx.tenant_id, new_mailbox_id(), email, "Alice", "dom_x", smtp, None, 200, NOW
    )


def _created(store: MailboxStore, ctx: TenantContext, count: int) -> list[Mailbox]:
    mailboxes = [_mailbox(ctx) for _ in range(count)]
    for m in mailboxes:
        store.create(ctx, m)
    return sorted(mailboxes, key=lambda m: m.mailbox_id)


def test_a_created_mailbox_reads_back_whole(store, ctx):
    # given: a mailbox with every optional part set
    imap = ServerSettings("imap.mail.test", 993, "tls", "alice", "pm/imap/secret")
    mailbox = replace(
        _mailbox(ctx),
        imap=imap,
        status="paused",
        paused_by="system",
        pause_reason="bounce rate",
        last_test={"ok": True, "steps": [{"name": "auth", "ok": True}]},
        warmup_plan="standard",
        warmup_started_on="2026-11-20",
    )

    # when
    store.create(ctx, mailbox)

    # then
    assert store.get(ctx, mailbox.mailbox_id) == mailbox


def test_saving_replaces_the_mailbox(store, ctx):
    mailbox = _mailbox(ctx)
    store.create(ctx, mailbox)
    changed = replace(mailbox, status="paused", daily_limit=50)
    store.save(ctx, changed)
    assert store.get(ctx, mailbox.mailbox_id) == changed
    assert store.count(ctx) == 1


def test_a_tenant_has_one_mailbox_per_address(store, ctx):
    # given
    first = _mailbox(ctx)
    store.create(ctx, first)

    # when
    with pytest.raises(Conflict) as refused:
        store.create(ctx, _mailbox(ctx, first.email))

    # then
    assert refused.value.details == {"field": "email"}
    assert store.count(ctx) == 1
    assert store.list(ctx, 10, None).items == [first]


def test_another_tenant_may_use_the_same_address(store, ctx):
    first = _mailbox(ctx)
    store.create(ctx, first)
    other = new_tenant()
    second = _mailbox(other, first.email)
    store.create(other, second)
    assert store.get(other, second.mailbox_id) == second


def test_a_deleted_mailbox_frees_its_address(store, ctx):
    # given
    mailbox = _mailbox(ctx)
    store.create(ctx, mailbox)

    # when
    store.delete(ctx, mailbox)

    # then
    assert store.get(ctx, mailbox.mailbox_id) is None
    assert store.count(ctx) == 0
    assert store.list(ctx, 10, None).items == []
    again = _mailbox(ctx, mailbox.email)
    store.create(ctx, again)
    assert store.get(ctx, again.mailbox_id) == again


def test_an_unknown_id_is_not_found(store, ctx):
    mailbox = _mailbox(ctx)
    store.create(ctx, mailbox)
    assert store.get(ctx, new_mailbox_id()) is None
    assert store.get(ctx, f"email#{mailbox.email}") is None  # the address is no mailbox


def test_another_tenants_mailbox_is_not_found_anywhere(store, ctx):
    mailbox = _mailbox(ctx)
    store.create(ctx, mailbox)
    other = new_tenant()
    assert store.get(other, mailbox.mailbox_id) is None
    assert store.list(other, 10, None).items == []
    assert store.count(other) == 0


def test_mailboxes_list_in_id_order_with_exact_tokens(store, ctx):
    # given
    mailboxes = _created(store, ctx, 5)

    # when
    pages = walk(lambda token: store.list(ctx, 2, token))

    # then
    assert [p.items for p in pages] == [mailboxes[0:2], mailboxes[2:4], mailboxes[4:]]
    assert [p.next_token is None for p in pages] == [False, False, True]
    assert decode_token(pages[0].next_token, {"sk"}) == {"sk": mailboxes[1].mailbox_id}


def test_a_full_last_page_has_no_token(store, ctx):
    mailboxes = _created(store, ctx, 4)
    pages = walk(lambda token: store.list(ctx, 2, token))
    assert [p.items for p in pages] == [mailboxes[0:2], mailboxes[2:4]]
    assert store.list(ctx, 4, None).next_token is None
    assert store.count(ctx) == 4


def test_a_token_this_store_did_not_issue_is_refused(store, ctx):
    with pytest.raises(BadRequest):
        store.list(ctx, 10, "bm90LWEtdG9rZW4")


def test_every_mailbox_is_in_its_own_poll_shard_only(store, ctx):
    # given
    mailboxes = _created(store, ctx, 6)

    # when: the shards read for this tenant (the index is platform-wide)
    shards = {s: [p for p in store.to_poll(s) if p[0] == ctx.tenant_id] for s in SHARDS}

    # then
    for mailbox in mailboxes:
        pair = (ctx.tenant_id, mailbox.mailbox_id)
        assert [s for s, pairs in shards.items() if pair in pairs] == [
            poll_shard(mailbox.mailbox_id)
        ]
    for pairs in shards.values():
        assert pairs == sorted(pairs)


def test_a_deleted_mailbox_is_no_longer_polled(store, ctx):
    mailbox = _mailbox(ctx)
    store.create(ctx, mailbox)
    store.delete(ctx, mailbox)
    assert (ctx.tenant_id, mailbox.mailbox_id) not in store.to_poll(poll_shard(mailbox.mailbox_id))
