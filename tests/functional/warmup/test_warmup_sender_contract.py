"""The ``WarmupSender`` contract: ``FakeSender`` and ``SendPathSender`` (the sending
feature's warm-up surface over the emulator) pass the same tests: deterministic message
ids, an enqueue is created once (again: nothing new, still queued), a queued message is not
settled, an unknown id is ``missing`` and settled."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import pytest

from chalicelib.warmup.ports import WarmupSend, WarmupSender
from tests.fakes.probe import FakeProber
from tests.fakes.warmup import FakeSender
from tests.functional.twins import TWINS, twin
from tests.functional.warmup.test_warmup_api import _tenant_mailbox


@dataclass
class Sending:
    sender: WarmupSender
    tenant_id: str
    mailbox_id: str


@pytest.fixture(params=TWINS)
def sending(request) -> Sending:
    def fake() -> Sending:
        return Sending(FakeSender(), "ten_fake", "mbx_fake")

    def real() -> Sending:
        from chalicelib.core import wiring
        from chalicelib.warmup.links import SendPathSender

        wiring.override("mailboxes.probe", FakeProber())
        tenant_id, _, mailbox_id = _tenant_mailbox(request.getfixturevalue("api"))
        return Sending(SendPathSender(), tenant_id, mailbox_id)

    return twin(request, fake, real)


def _sends(s: Sending, count: int) -> list[WarmupSend]:
    key = secrets.token_hex(4)
    return [
        WarmupSend(
            message_id=s.sender.message_id(f"{key}:{i}"),
            mailbox_id=s.mailbox_id,
            to=f"pool{i}@pool-{key}.test",
            subject=f"Hello {i}",
            text="A few words.\n",
            html=None,
            warmup_on="2026-03-02",
            warmup_day=0,
            scheduled_at="2026-03-02T10:00:00.000Z",
        )
        for i in range(count)
    ]


def test_message_ids_are_deterministic_and_distinct(sending: Sending) -> None:
    ids = sending.sender
    assert ids.message_id("a:0") == ids.message_id("a:0") != ids.message_id("a:1")
    assert ids.message_id("a:0").startswith("msg_")


def test_an_enqueue_is_created_once_and_stays_queued(sending: Sending) -> None:
    sends = _sends(sending, 3)
    wanted = [s.message_id for s in sends]
    assert sending.sender.enqueue(sending.tenant_id, sends) == wanted
    assert sending.sender.enqueue(sending.tenant_id, sends) == wanted
    found = sending.sender.outcomes(sending.tenant_id, wanted)
    assert set(found) == set(wanted)
    assert all(o.status == "queued" and not o.settled for o in found.values())
    assert not any(o.bounced or o.complained for o in found.values())


def test_an_unknown_message_is_missing_and_settled(sending: Sending) -> None:
    unknown = sending.sender.message_id(secrets.token_hex(6))
    found = sending.sender.outcomes(sending.tenant_id, [unknown])
    assert (found[unknown].status, found[unknown].settled) == ("missing", True)
