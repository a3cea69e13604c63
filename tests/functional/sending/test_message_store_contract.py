"""The ``MessageStore`` contract: ``FakeMessages`` and ``DynamoMessageRepository`` pass the
same tests (round trip with the lease, batch reads, conditional transitions, newest-first
pages with their filters, campaign messages with their link and thread, ``create_new``
creating only what is not stored, with only its messages' events)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.core import ids
from chalicelib.core.errors import BadRequest
from chalicelib.core.pagination import decode_token
from chalicelib.sending.ports import MessageStore
from chalicelib.sending.rules.campaigns import campaign_message_id
from chalicelib.sending.rules.messages import CampaignLink, Message, StaleWrite, status_event
from tests.fakes.sending import FakeMessages
from tests.functional.twins import TWINS, twin, walk

NOW = "2026-11-28T12:00:00.000Z"
START_MS = 1_795_000_000_000


@pytest.fixture(params=TWINS)
def store(request) -> MessageStore:
    def real() -> MessageStore:
        from chalicelib.sending.wiring import messages

        return messages()

    return twin(request, FakeMessages, real)


@pytest.fixture
def tenant_id() -> str:
    return ids.new_id("ten")


def _message(tenant_id: str, n: int = 0, **changes) -> Message:
    message = Message(
        tenant_id=tenant_id,
        message_id=ids.new_sortable_id("msg", START_MS + n),
        status="queued",
        mailbox_id="mbx_one",
        domain_id="dom_one",
        from_address="Alice@Mail.test",
        from_name="Alice",
        to=f"lead{n}@example.test",
        reply_to="replies@mail.test",
        headers={"X-Campaign": "c1"},
        tags=("welcome", "q4"),
        metadata={"lead": str(n)},
        variables={"name": "Lead", "n": n},
        body_key=f"tenant/{tenant_id}/messages/bdy_x.json",
        template_id=None,
        track_opens=True,
        track_clicks=False,
        queue="priority",
        created_at=NOW,
        subject="Hello",
        timeline=({"status": "queued", "at": NOW},),
    )
    return replace(message, **changes)


def _created(store: MessageStore, tenant_id: str, count: int, **changes) -> list[Message]:
    messages = [_message(tenant_id, n, **changes) for n in range(count)]
    store.create_many(messages)
    return messages


def test_a_created_message_reads_back_whole_without_a_lease(store, tenant_id):
    # given: a message with every optional part set
    message = _message(
        tenant_id,
        scheduled_at="2026-11-29T08:00:00.000Z",
        batch_id="bat_one",
        template_id="tpl_one",
        variables=None,
        reply_to=None,
    )

    # when
    store.create_many([message])

    # then
    assert store.get(tenant_id, message.message_id) == message
    assert store.get_with_lease(tenant_id, message.message_id) == (message, 0)


def test_engagement_is_not_written_with_the_message(store, tenant_id):
    # the event consumer counts opens and clicks on the item; creating a message keeps none
    message = _message(tenant_id, engagement={"opens_human": 3})
    store.create_many([message])
    assert store.get(tenant_id, message.message_id) == replace(message, engagement={})


def test_an_unknown_or_foreign_message_is_not_found(store, tenant_id):
    (message,) = _created(store, tenant_id, 1)
    other = ids.new_id("ten")
    assert store.get(tenant_id, ids.new_sortable_id("msg")) is None
    assert store.get(other, message.message_id) is None
    assert store.get_with_lease(other, message.message_id) is None


def test_many_messages_read_at_once_with_their_leases(store, tenant_id):
    # given
    first, second, third = _created(store, tenant_id, 3)
    claimed = replace(second, status="sending", attempts=1)
    store.transition(claimed, ("queued",), 0, lease_until=1_900_000_000)
    missing = (tenant_id, ids.new_sortable_id("msg"))
    foreign = (ids.new_id("ten"), first.message_id)

    # when
    found = store.get_many(
        [(tenant_id, first.message_id), (tenant_id, second.message_id), missing, foreign]
        + [(tenant_id, first.message_id)]
    )

    # then
    assert found == {
        (tenant_id, first.message_id): (first, 0),
        (tenant_id, second.message_id): (claimed, 1_900_000_000),
    }
    assert store.get_many([]) == {}
    assert third.message_id not in {m for _, m in found}


def test_more_messages_than_one_batch_read_at_once(store, tenant_id):
    messages = _created(store, tenant_id, 130)
    found = store.get_many([(tenant_id, m.message_id) for m in messages])
    assert found == {(tenant_id, m.message_id): (m, 0) for m in messages}


def test_a_transition_writes_status_attempts_timeline_and_lease(store, tenant_id):
    # given
    (message,) = _created(store, tenant_id, 1)
    timeline = (*message.timeline, {"status": "sending", "at": NOW, "attempt": 1})
    claimed = replace(message, status="sending", attempts=1, timeline=timeline)

    # when
    store.transition(claimed, ("queued", "deferred"), 0, lease_until=1_900_000_000)

    # then
    assert store.get_with_lease(tenant_id, message.message_id) == (claimed, 1_900_000_000)


def test_a_transition_writes_nothing_else_of_the_message(store, tenant_id):
    # given
    (message,) = _created(store, tenant_id, 1)
    claimed = replace(message, status="sending", attempts=1, subject="Changed", to="x@y.test")

    # when
    store.transition(claimed, ("queued",), 0)

    # then: only the transition's fields moved
    stored = store.get(tenant_id, message.message_id)
    assert stored == replace(message, status="sending", attempts=1)


def test_a_transition_from_an_unexpected_status_is_stale(store, tenant_id):
    # given
    (message,) = _created(store, tenant_id, 1)
    sent = replace(message, status="sent", attempts=1)

    # when / then
    with pytest.raises(StaleWrite):
        store.transition(sent, ("sending",), 0)
    assert store.get_with_lease(tenant_id, message.message_id) == (message, 0)


def test_a_transition_from_an_unexpected_attempt_is_stale(store, tenant_id):
    # given: two workers held the same job; the first claimed it
    (message,) = _created(store, tenant_id, 1)
    first = replace(message, status="sending", attempts=1)
    store.transition(first, ("queued",), 0, lease_until=100)

    # when / then: the second expected the attempt it read before
    with pytest.raises(StaleWrite):
        store.transition(replace(message, status="sending", attempts=1), ("sending",), 0)
    assert store.get_with_lease(tenant_id, message.message_id) == (first, 100)


def test_a_transition_of_a_missing_message_is_stale(store, tenant_id):
    message = _message(tenant_id)
    with pytest.raises(StaleWrite):
        store.transition(replace(message, status="sending"), ("queued",), 0)
    assert store.get(tenant_id, message.message_id) is None


def test_messages_list_newest_first_with_exact_tokens(store, tenant_id):
    # given
    messages = _created(store, tenant_id, 5)
    newest_first = messages[::-1]

    # when
    pages = walk(lambda token: store.list(tenant_id, 2, token, {}))

    # then
    assert [p.items for p in pages] == [newest_first[0:2], newest_first[2:4], newest_first[4:]]
    assert [p.next_token is None for p in pages] == [False, False, True]
    assert decode_token(pages[0].next_token, {"sk"}) == {"sk": newest_first[1].message_id}


def test_another_tenants_messages_are_not_listed(store, tenant_id):
    _created(store, tenant_id, 2)
    assert store.list(ids.new_id("ten"), 10, None, {}).items == []


@pytest.mark.parametrize(
    ("filters", "wanted"),
    [
        ({"status": "sent"}, {1, 3, 5}),
        ({"to": "lead4@example.test"}, {4}),
        ({"tag": "odd"}, {1, 3, 5}),
        ({"from": "BOB@mail.TEST"}, {0, 2}),
        ({"status": "sent", "tag": "odd", "from": "alice@mail.test"}, {1, 3, 5}),
        ({"status": "bounced"}, set()),
    ],
)
def test_filtered_pages_hold_exactly_the_matching_messages(store, tenant_id, filters, wanted):
    # given: odd messages sent and tagged odd; 0 and 2 from bob
    messages = [
        _message(
            tenant_id,
            n,
            status="sent" if n % 2 else "queued",
            tags=("odd",) if n % 2 else ("even",),
            from_address="Bob@Mail.test" if n in (0, 2) else "Alice@Mail.test",
        )
        for n in range(7)
    ]
    store.create_many(messages)

    # when: the filter applies to each page read, so pages may hold fewer than the limit
    pages = walk(lambda token: store.list(tenant_id, 2, token, filters))

    # then
    assert all(len(p.items) <= 2 for p in pages)
    assert [m for p in pages for m in p.items] == [messages[n] for n in sorted(wanted)][::-1]


def test_a_token_this_store_did_not_issue_is_refused(store, tenant_id):
    with pytest.raises(BadRequest):
        store.list(tenant_id, 10, "not a token", {})


# --- campaign messages: their link and thread, and conditional creates ------------------------

LINK = CampaignLink("cmp_aaaaaaaaaaaaaaaaaaaa", "enr_bbbbbbbbbbbbbbbbbbbb", "ctc_c", 2, None)
THREAD = ("<msg_first.0123456789abcdef@mail.test>", "<msg_second.0123456789abcdef@mail.test>")


def _campaign_message(tenant_id: str, n: int = 0) -> Message:
    return _message(
        tenant_id,
        n,
        message_id=campaign_message_id(f"enr_{n}", 2),
        queue="bulk",
        campaign=LINK,
        in_reply_to=THREAD[-1],
        references=THREAD,
    )


def _queued(message: Message) -> dict:
    return status_event(message, "queued", NOW, tags=list(message.tags))


def test_a_campaign_message_reads_back_with_its_link_and_thread(store, tenant_id):
    message = _campaign_message(tenant_id)
    store.create_many([message])
    assert store.get(tenant_id, message.message_id) == message
    found = store.get_many([(tenant_id, message.message_id)])
    assert found[(tenant_id, message.message_id)][0].references == THREAD


def test_create_new_creates_only_what_is_not_stored(store, tenant_id):
    # given 30 messages (more than one transaction), 3 of them stored already and changed
    messages = [_campaign_message(tenant_id, n) for n in range(30)]
    early = [replace(messages[n], status="sent", attempts=1) for n in (0, 12, 29)]
    store.create_many(early)

    # when
    created = store.create_new(messages, [_queued(m) for m in messages])

    # then the others are created, and the stored ones are left as they were
    assert created == {m.message_id for m in messages} - {m.message_id for m in early}
    for message in early:
        assert store.get(tenant_id, message.message_id) == message
    assert store.get(tenant_id, messages[1].message_id) == messages[1]
    assert store.create_new(messages, [_queued(m) for m in messages]) == set()
    assert store.create_new([]) == set()


def test_create_new_stores_the_events_of_the_created_messages_only(aws, tenant_id):
    import json

    from chalicelib.aws.dynamodb import Table
    from chalicelib.sending.store import MESSAGES
    from chalicelib.sending.wiring import messages as real_messages

    # given one message stored before, with its own event
    store = real_messages()
    first, second = _campaign_message(tenant_id, 1), _campaign_message(tenant_id, 2)
    before = _queued(first)
    store.create_new([first], [before])

    # when both are created with new events
    again, new = _queued(first), _queued(second)
    assert store.create_new([first, second], [again, new]) == {second.message_id}

    # then each item carries the events of the write that created it, and no other
    table: Table = MESSAGES.bind()

    def carried(message: Message) -> list[str]:
        key = {"tenant_id": {"S": tenant_id}, "sk": {"S": message.message_id}}
        item = table.client.get_item(TableName=table.name, Key=key)["Item"]
        return [e["event_id"] for e in json.loads(item["outbox"]["S"])]

    assert carried(first) == [before["event_id"]]
    assert carried(second) == [new["event_id"]]


def test_the_fakes_create_new_keeps_the_events_of_the_created_messages_only(tenant_id):
    store = FakeMessages()
    first, second = _campaign_message(tenant_id, 1), _campaign_message(tenant_id, 2)
    store.create_new([first], [_queued(first)])
    store.create_new([first, second], [_queued(first), new := _queued(second)])
    assert [e["message_id"] for e in store.outbox.published] == [
        first.message_id,
        second.message_id,
    ]
    assert store.outbox.published[-1] == new
