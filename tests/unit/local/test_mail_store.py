"""The local mailboxes' IMAP-like state: folders, per-folder uids that a move renews, flags,
positions that never change (the inbound poller's UIDs), and the deterministic spam placement
of warm-up mail."""

from __future__ import annotations

import pytest

from chalicelib.warmup.content import WARMUP_HEADER
from infrastructure.local.mail_store import WARMUP_HEADER as LOCAL_WARMUP_HEADER
from infrastructure.local.mail_store import (
    MailStore,
    build_message,
    inbox_record,
    placement,
    spam_share,
)

ANNA = "anna@pool.example"


def _raw(n: int, warmup: bool = True) -> str:
    head = [f"Message-ID: <m{n}@acme.example>", "Subject: hello"]
    if warmup:
        head.append("X-PM-Warmup: wt_token")
    return "\r\n".join(head) + "\r\n\r\nbody\r\n"


def _record(n: int, warmup: bool = True) -> dict:
    return inbox_record(ANNA, "bob@acme.example", _raw(n, warmup), "delivered", "test")


def _spam_id(want_spam: bool, rate: float = 0.25) -> int:
    """The first n whose message id lands in spam (or not) at ``rate``."""
    return next(n for n in range(1000) if (spam_share(f"<m{n}@acme.example>") < rate) == want_spam)


def test_the_header_is_the_one_warmup_content_writes() -> None:
    assert LOCAL_WARMUP_HEADER == WARMUP_HEADER


def test_uids_grow_per_folder_and_each_record_has_its_state() -> None:
    store = MailStore()
    first = store.deliver(ANNA, _record(1), "inbox")
    spam = store.deliver(ANNA, _record(2), "spam")
    second = store.deliver(ANNA, _record(3), "inbox")

    assert [(r["folder"], r["uid"]) for r in (first, spam, second)] == [
        ("inbox", 1),
        ("spam", 1),
        ("inbox", 2),
    ]
    assert first["flags"] == [] and first["message_id"] == "<m1@acme.example>"
    assert [r["uid"] for r in store.folder(ANNA, "inbox", after_uid=1)] == [2]
    assert [r["uid"] for r in store.folder(ANNA, "inbox", limit=1)] == [1]
    assert store.folder("nobody@pool.example", "inbox") == []


def test_a_move_gives_a_new_uid_keeps_flags_and_never_changes_positions() -> None:
    store = MailStore()
    store.deliver(ANNA, _record(1), "spam")
    store.deliver(ANNA, _record(2), "inbox")
    store.add_flags(ANNA, "<m1@acme.example>", ["\\Flagged"])

    assert store.move(ANNA, "<m1@acme.example>", "inbox") == 1

    assert [(r["message_id"], r["uid"]) for r in store.folder(ANNA, "inbox")] == [
        ("<m2@acme.example>", 1),
        ("<m1@acme.example>", 2),
    ]
    assert store.folder(ANNA, "spam") == []
    listing = store.records(ANNA)  # what the inbound poller reads, by position
    assert [r["message_id"] for r in listing] == ["<m1@acme.example>", "<m2@acme.example>"]
    assert listing[0]["flags"] == ["\\Flagged"] and listing[0]["folder"] == "inbox"
    assert store.move(ANNA, "<m1@acme.example>", "inbox") == 0  # nothing outside the inbox


def test_flags_accumulate_and_a_missing_message_changes_nothing() -> None:
    store = MailStore()
    store.deliver(ANNA, _record(1), "inbox")

    assert store.add_flags(ANNA, "<m1@acme.example>", ["\\Seen"]) == 1
    assert store.add_flags(ANNA, "<m1@acme.example>", ["\\Flagged", "\\Seen"]) == 1
    assert store.add_flags(ANNA, "<gone@acme.example>", ["\\Seen"]) == 0

    assert store.records(ANNA)[0]["flags"] == ["\\Flagged", "\\Seen"]


def test_clear_forgets_messages_but_never_reuses_a_uid() -> None:
    store = MailStore()
    store.deliver(ANNA, _record(1), "inbox")
    store.clear()

    assert store.records(ANNA) == [] and store.counts() == {}
    assert store.deliver(ANNA, _record(2), "inbox")["uid"] == 2


def test_placement_is_decided_by_the_message_id_alone() -> None:
    spam_n, inbox_n = _spam_id(True), _spam_id(False)
    store = MailStore(spam_rate=0.25)

    placed = [store.deliver(ANNA, _record(n))["folder"] for n in (spam_n, inbox_n, spam_n)]

    assert placed == ["spam", "inbox", "spam"]
    assert store.deliver(ANNA, _record(spam_n, warmup=False))["folder"] == "inbox"


def test_the_spam_rate_is_the_share_of_warmup_mail_in_spam() -> None:
    ids = [f"<w{n}@acme.example>" for n in range(2000)]

    in_spam = {rate: sum(placement(i, True, rate) == "spam" for i in ids) for rate in (0, 0.25, 1)}

    assert in_spam[0] == 0 and in_spam[1] == 2000
    assert 400 <= in_spam[0.25] <= 600  # a fixed hash: the same count every run
    assert not any(placement(i, False, 1) == "spam" for i in ids)


@pytest.mark.parametrize("bad", [-0.1, 1.5, True, "0.5", None, float("nan")])
def test_a_spam_rate_outside_0_to_1_is_refused(bad: object) -> None:
    store = MailStore()
    with pytest.raises(ValueError, match="spam_rate"):
        store.spam_rate = bad  # type: ignore[assignment]
    assert store.spam_rate == 0.25


def test_smtp_records_keep_their_shape() -> None:
    class Session:
        auth_data, authenticated, ssl, peer = "bob@acme.example", True, object(), ("::1", 25)

    class Envelope:
        original_content, mail_from, rcpt_tos = _raw(1).encode(), "b+x@bounces.acme", [ANNA]

    record = build_message(Session(), Envelope())

    assert record["auth_user"] == "bob@acme.example" and record["tls"] is True
    assert record["peer"] == "[::1]:25" and record["rcpt_tos"] == [ANNA]
