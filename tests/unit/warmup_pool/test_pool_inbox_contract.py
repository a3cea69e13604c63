"""The ``PoolInbox`` contract, passed by the in-memory twin, by ``ImapPoolInbox`` against
the in-test IMAP server (``imap_twin``) with MOVE, with UIDPLUS only, and with neither, and by
``LocalPoolInbox`` against a real local SMTP server's store through the local HTTP routes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.mail.connection import ServerLogin
from chalicelib.warmup.inbox import ImapPoolInbox, PoolInbox, read_pool_message
from chalicelib.warmup.local_inbox import LocalPoolInbox
from tests.fakes.warmup_pool import FakePoolInbox, PoolFolders
from tests.unit.local.local_mailbox import StoreFolders, local_mailbox
from tests.unit.warmup_pool.imap_twin import ImapTwin

# IMAP servers with MOVE, and without it (COPY, \Deleted, UID EXPUNGE or plain EXPUNGE).
IMAP_EXTENSIONS = {
    "imap": ("MOVE", "UIDPLUS"),
    "imap-uidplus-no-move": ("UIDPLUS",),
    "imap-bare": (),
}


def _mail(n: int, token: str | None = "wt_token_0001", message_id: str | None = None) -> bytes:
    head = [
        "From: bob@acme.example",
        "To: anna@pool.example",
        f"Subject: Update {n}",
        f"Message-ID: {message_id or f'<msg_{n}.abc@acme.example>'}",
    ]
    if token:
        head.append(f"X-PM-Warmup: {token}")
    return ("\r\n".join(head) + f"\r\n\r\nBody {n}\r\n").encode()


ANNA = "anna@pool.example"


@pytest.fixture(params=["fake", *IMAP_EXTENSIONS, "local"])
def world(request: pytest.FixtureRequest) -> Iterator[tuple[Any, PoolInbox]]:
    """(the mailbox's folders as ``PoolFolders`` shows them, the adapter over them)."""
    folders = PoolFolders()
    if request.param == "fake":
        yield folders, FakePoolInbox(folders)
        return
    if request.param == "local":
        with local_mailbox() as mailbox:
            yield StoreFolders(mailbox.smtp, ANNA), LocalPoolInbox(mailbox.base_url, ANNA)
        return
    with ImapTwin(folders, IMAP_EXTENSIONS[request.param]) as server:
        login = ServerLogin("127.0.0.1", server.port, "none", "anna@pool.example", "pw", 5.0)
        yield folders, ImapPoolInbox(login)


def test_lists_only_warmup_mail_after_the_cursor_in_uid_order(
    world: tuple[Any, PoolInbox],
) -> None:
    folders, inbox = world
    uids = [folders.deliver("inbox", _mail(1)), folders.deliver("inbox", _mail(2, token=None))]
    uids.append(folders.deliver("inbox", _mail(3)))
    folders.deliver("spam", _mail(4))

    listed = inbox.list_warmup("inbox", 0, 10)

    assert [(m.uid, m.message_id, m.token) for m in listed] == [
        (uids[0], "<msg_1.abc@acme.example>", "wt_token_0001"),
        (uids[2], "<msg_3.abc@acme.example>", "wt_token_0001"),
    ]
    assert [m.uid for m in inbox.list_warmup("inbox", uids[0], 10)] == [uids[2]]
    assert inbox.list_warmup("inbox", uids[2], 10) == []
    assert [m.folder for m in inbox.list_warmup("spam", 0, 10)] == ["spam"]
    assert listed[0].raw.startswith(b"From: bob@acme.example")


def test_listing_is_bounded_and_never_marks_mail_seen(
    world: tuple[Any, PoolInbox],
) -> None:
    folders, inbox = world
    for n in range(5):
        folders.deliver("inbox", _mail(n))

    listed = inbox.list_warmup("inbox", 0, 3)

    assert len(listed) == 3
    assert all(m.flags == set() for m in folders.mail["inbox"])


def test_mark_seen_and_flag_important_find_the_message_in_either_folder(
    world: tuple[Any, PoolInbox],
) -> None:
    folders, inbox = world
    folders.deliver("inbox", _mail(1))
    folders.deliver("spam", _mail(2))

    assert inbox.mark_seen("<msg_1.abc@acme.example>")
    assert inbox.flag_important("<msg_2.abc@acme.example>")
    assert inbox.mark_seen("<msg_2.abc@acme.example>")

    assert folders.flags_of("<msg_1.abc@acme.example>") == {"inbox": {"\\Seen"}}
    assert folders.flags_of("<msg_2.abc@acme.example>") == {"spam": {"\\Seen", "\\Flagged"}}


def test_move_to_inbox_takes_the_message_out_of_spam_with_its_flags(
    world: tuple[Any, PoolInbox],
) -> None:
    folders, inbox = world
    folders.deliver("inbox", _mail(1))
    folders.deliver("spam", _mail(2))
    inbox.flag_important("<msg_2.abc@acme.example>")

    assert inbox.move_to_inbox("<msg_2.abc@acme.example>")

    assert folders.mail["spam"] == []
    assert folders.flags_of("<msg_2.abc@acme.example>") == {"inbox": {"\\Flagged"}}
    moved = inbox.list_warmup("inbox", 1, 10)
    assert [m.message_id for m in moved] == ["<msg_2.abc@acme.example>"]
    assert moved[0].uid > 1


def test_actions_on_a_missing_message_report_false(world: tuple[Any, PoolInbox]) -> None:
    folders, inbox = world
    folders.deliver("inbox", _mail(1))

    assert not inbox.mark_seen("<gone@acme.example>")
    assert not inbox.flag_important("<gone@acme.example>")
    assert not inbox.move_to_inbox("<msg_1.abc@acme.example>")  # in the inbox already
    assert folders.flags_of("<msg_1.abc@acme.example>") == {"inbox": set()}


@pytest.mark.parametrize("bad", ['<a"b@x>', "no-brackets", "<a b@x>", "<a\\b@x>"])
def test_a_message_id_that_cannot_be_searched_is_refused(
    world: tuple[Any, PoolInbox], bad: str
) -> None:
    _folders, inbox = world

    with pytest.raises(ValueError, match="Message-ID"):
        inbox.mark_seen(bad)
    with pytest.raises(ValueError, match="Message-ID"):
        inbox.move_to_inbox(bad)


def test_read_pool_message_needs_the_header_and_a_message_id() -> None:
    assert read_pool_message("inbox", 1, _mail(1)) is not None
    assert read_pool_message("inbox", 1, _mail(1, token=None)) is None
    assert read_pool_message("inbox", 1, _mail(1, message_id="junk")) is None
