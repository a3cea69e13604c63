"""The pool at work (``pool.run``) over in-memory twins: what it receives, what it does and
counts, and that a run repeated (or after a crash) neither acts nor counts twice."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from chalicelib.warmup import pool
from chalicelib.warmup.content import WarmupReply
from chalicelib.warmup.partners import PoolMember
from chalicelib.warmup.pool_store import Received, SenderRef
from tests.fakes.core import FakeClock
from tests.fakes.warmup_pool import FakePoolInbox, FakeReceivedStore

A = PoolMember("ten_a", "mbx_a", "alice@a.test")
B = PoolMember("ten_b", "mbx_b", "bob@b.test")
ON = "2026-11-28"


def _raw(n: int, sender: str = A.address, reply: bool = False) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = B.address
    message["Subject"] = f"note {n}"
    message["Message-ID"] = f"<w{n}@a.test>"
    message["X-PM-Warmup"] = f"token-{n:05d}"
    if reply:
        message["In-Reply-To"] = "<w0@b.test>"
    message.set_content(f"hello number {n}\n")
    return bytes(message)


class Directory:
    def __init__(self, *members: PoolMember) -> None:
        self.list = list(members)

    def members(self) -> list[PoolMember]:
        return list(self.list)


class Inboxes:
    def __init__(self) -> None:
        self.boxes: dict[str, FakePoolInbox] = {}
        self.broken: set[str] = set()

    def inbox(self, member: PoolMember) -> FakePoolInbox:
        if member.mailbox_id in self.broken:
            raise ConnectionError("IMAP down")
        return self.boxes.setdefault(member.mailbox_id, FakePoolInbox())


class Senders:
    """Tokens ``token-NNNNN`` are A's messages of day ``ON``."""

    def resolve(self, token: str) -> SenderRef | None:
        if not token.startswith("token-"):
            return None
        return SenderRef(A.tenant_id, A.mailbox_id, ON, f"msg_{token[6:]}", A.address)


class Replies:
    def __init__(self) -> None:
        self.sent: dict[str, tuple[PoolMember, WarmupReply]] = {}

    def send(self, member: PoolMember, received: Received, reply: WarmupReply) -> None:
        self.sent[received.message_id] = (member, reply)  # once per original, as the path


@pytest.fixture
def world():
    clock = FakeClock()
    ports = pool.PoolPorts(
        Directory(A, B), Inboxes(), Senders(), Replies(), FakeReceivedStore(), clock, batch=5000
    )
    return ports, clock


def _deliver(ports: pool.PoolPorts, count: int, spam_every: int = 4) -> None:
    box = ports.inboxes.inbox(B)
    for n in range(count):
        box.folders.deliver("spam" if n % spam_every == 0 else "inbox", _raw(n))


def test_received_mail_is_credited_to_its_sender_by_placement(world) -> None:
    ports, _ = world
    ports.batch = 30  # two folders, 30 each a run
    _deliver(ports, 40)
    result = pool.run(ports)
    counts = ports.store.counts(A.tenant_id, A.mailbox_id, ON)
    assert (result.received, counts["spam"], counts["inbox"]) == (40, 10, 30)
    assert pool.run(ports).received == 0  # the cursor moved on; listing again adds nothing
    assert ports.store.counts(A.tenant_id, A.mailbox_id, ON)["inbox"] == 30


def test_over_time_the_pool_rescues_every_spam_and_engages_at_about_the_rates(world) -> None:
    ports, clock = world
    _deliver(ports, 1000)
    pool.run(ports)
    clock.advance(3 * 86400)  # past the longest reply delay (48 h)
    pool.run(ports)
    counts = ports.store.counts(A.tenant_id, A.mailbox_id, ON)
    folders = ports.inboxes.inbox(B).folders
    assert counts["rescued"] == 250 and not folders.mail["spam"]
    assert all("\\Flagged" in m.flags for m in folders.mail["inbox"][-250:])
    assert 0.655 < counts["opened"] / 1000 < 0.745  # 70 % +- 3 sigma
    assert 0.115 < counts["clicked"] / 1000 < 0.185
    assert 0.03 < counts["replied"] / 1000 < 0.07
    seen = sum("\\Seen" in m.flags for m in folders.mail["inbox"])
    assert seen == counts["opened"]
    assert len(ports.replies.sent) == counts["replied"]
    member, reply = next(iter(ports.replies.sent.values()))
    assert member == B and reply.subject.startswith("Re: note ")


def test_actions_wait_for_their_time_scaled_to_the_day(world) -> None:
    ports, clock = world
    ports.day_seconds = 864.0  # a day in 864 s: 5-120 min become 3-72 s
    _deliver(ports, 200)
    pool.run(ports)
    assert ports.store.counts(A.tenant_id, A.mailbox_id, ON)["opened"] == 0
    clock.advance(2)  # under the 3 s the shortest open takes
    pool.run(ports)
    assert ports.store.counts(A.tenant_id, A.mailbox_id, ON)["opened"] == 0
    clock.advance(72)  # every open is due by now (2 h of a day)
    pool.run(ports)
    opened = ports.store.counts(A.tenant_id, A.mailbox_id, ON)["opened"]
    assert opened > 100
    clock.advance(1800)  # past 48 h of a day
    pool.run(ports)
    assert ports.store.counts(A.tenant_id, A.mailbox_id, ON)["replied"] > 0


def test_an_action_repeated_after_a_crash_counts_once(world) -> None:
    ports, clock = world
    _deliver(ports, 100)
    pool.run(ports)
    clock.advance(3 * 86400)
    stale = list(ports.store.records.values())
    pool.run(ports)
    counts = ports.store.counts(A.tenant_id, A.mailbox_id, ON)
    for record in stale:  # what a crashed run would redo: the same actions, once more
        for step in record.plan:
            assert not ports.store.complete(record, step.kind, pool.COUNTED.get(step.kind))
    assert ports.store.counts(A.tenant_id, A.mailbox_id, ON) == counts


def test_forged_foreign_and_own_tokens_are_skipped(world) -> None:
    ports, _ = world
    box = ports.inboxes.inbox(B)
    box.folders.deliver("inbox", _raw(1, sender="mallory@evil.test"))  # a copied token
    unknown = _raw(2).replace(b"token-00002", b"other-token")
    box.folders.deliver("inbox", unknown)
    ports.inboxes.inbox(A).folders.deliver("inbox", _raw(3))  # A's own mail to itself
    result = pool.run(ports)
    assert (result.received, result.skipped) == (0, 3)
    assert ports.store.counts(A.tenant_id, A.mailbox_id, ON)["inbox"] == 0


def test_a_reply_is_opened_but_never_answered(world) -> None:
    ports, clock = world
    box = ports.inboxes.inbox(B)
    for n in range(300):
        box.folders.deliver("inbox", _raw(n, reply=True))
    pool.run(ports)
    clock.advance(3 * 86400)
    pool.run(ports)
    counts = ports.store.counts(A.tenant_id, A.mailbox_id, ON)
    assert counts["opened"] > 150 and counts["replied"] == 0 and not ports.replies.sent


def test_one_broken_inbox_does_not_stop_the_others(world) -> None:
    ports, _ = world
    ports.batch = 200
    _deliver(ports, 10)
    ports.inboxes.broken.add(A.mailbox_id)
    result = pool.run(ports)
    assert result.failed == [A.mailbox_id] and result.received == 10


def test_placement_rates() -> None:
    counts = {"inbox": 75, "spam": 25, "rescued": 25, "opened": 70, "replied": 5}
    assert pool.placement(counts) == {
        "received": 100,
        "inbox_rate": 0.75,
        "rescued_rate": 1.0,
        "open_rate": 0.7,
        "reply_rate": 0.05,
    }
    assert pool.placement({})["inbox_rate"] == 0.0
