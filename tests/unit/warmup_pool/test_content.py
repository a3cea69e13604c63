"""Warm-up content: varied, deterministic, untracked; the header; replies in the thread."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from chalicelib.warmup import corpus
from chalicelib.warmup.content import (
    WARMUP_HEADER,
    WarmupOriginal,
    combinations,
    compose,
    compose_reply,
    warmup_headers,
)

SENDER = "bob.jones@acme.example"
RECIPIENTS = [f"user{i}.name@pool{i % 7}.example" for i in range(50)]


def _day(sender: str, day_seed: str, count: int = 500) -> list[tuple[str, str]]:
    return [
        (c.subject, c.text)
        for c in (
            compose(sender, RECIPIENTS[i % len(RECIPIENTS)], day_seed, sequence=i)
            for i in range(count)
        )
    ]


def test_500_messages_of_one_mailbox_in_a_day_are_all_distinct() -> None:
    messages = _day(SENDER, "2025-06-01:secret")

    assert len(set(messages)) == 500
    assert len({text for _, text in messages}) == 500


def test_the_same_recipient_500_times_still_gets_distinct_bodies() -> None:
    texts = {
        compose(SENDER, "anna@pool.example", "2025-06-01", sequence=i).text for i in range(500)
    }

    assert len(texts) == 500


def test_a_nameless_recipient_gets_distinct_bodies_too() -> None:
    texts = {compose(SENDER, "1234@pool.example", "d", sequence=i).text for i in range(500)}

    assert len(texts) == 500


def test_the_same_seed_gives_the_same_messages() -> None:
    assert _day(SENDER, "2025-06-01", 50) == _day(SENDER, "2025-06-01", 50)
    assert compose(SENDER, "a@b.example", "s", sequence=7) == compose(
        SENDER, "a@b.example", "s", sequence=7
    )


def test_another_day_or_another_sender_gives_other_messages() -> None:
    first = _day(SENDER, "2025-06-01", 50)

    assert first != _day(SENDER, "2025-06-02", 50)
    assert first != _day("carol@other.example", "2025-06-01", 50)


def test_subjects_vary_within_a_day() -> None:
    subjects = {subject for subject, _ in _day(SENDER, "2025-06-01")}

    assert len(subjects) > 300


def test_the_corpus_gives_thousands_of_combinations_with_distinct_entries() -> None:
    assert combinations() > 1_000_000
    for slot in corpus.SLOTS:
        assert len(set(slot)) == len(slot)
    for ask in corpus.ASKS:
        assert "{weekday}" in ask and "{time}" in ask
    for middle in corpus.MIDDLES:
        assert "{topic}" in middle


def test_content_has_no_link_and_no_tracking() -> None:
    for i in range(300):
        content = compose(SENDER, RECIPIENTS[i % 50], "d", sequence=i)
        for part in (content.subject, content.text, content.html or ""):
            assert not re.search(r"https?://|www\.|<a\s|<img|unsubscribe", part, re.I)


def test_some_messages_have_html_and_some_are_text_only() -> None:
    htmls = [compose(SENDER, "a@b.example", "d", sequence=i).html for i in range(200)]

    assert 40 < sum(h is not None for h in htmls) < 160
    assert all(h.startswith("<html><body><p>") for h in htmls if h is not None)


def test_the_message_greets_the_recipient_and_signs_as_the_sender() -> None:
    content = compose("bob.jones@acme.example", "anna.smith@x.example", "d", sequence=0)

    assert "Anna," in content.text.splitlines()[0]
    assert content.text.rstrip().endswith("\nBob")


def test_a_sequence_outside_the_combinations_is_refused() -> None:
    with pytest.raises(ValueError, match="sequence"):
        compose(SENDER, "a@b.example", "d", sequence=-1)
    with pytest.raises(ValueError, match="sequence"):
        compose(SENDER, "a@b.example", "d", sequence=combinations())


def test_warmup_headers_carry_the_token() -> None:
    assert warmup_headers("wt_abc123XYZ") == {"X-PM-Warmup": "wt_abc123XYZ"}
    assert WARMUP_HEADER == "X-PM-Warmup"


@pytest.mark.parametrize("token", ["", "short", "has space in it", "line\nbreak12", "x" * 201])
def test_a_token_that_cannot_be_a_header_value_is_refused(token: str) -> None:
    with pytest.raises(ValueError, match="token"):
        warmup_headers(token)


ORIGINAL = WarmupOriginal(
    message_id="<msg_abc.0123456789abcdef@acme.example>",
    from_address="bob.jones@acme.example",
    subject="Update on the budget draft",
    text="Hi Anna,\n\nSome text.\n\nBest,\nBob\n",
    sent_at=datetime(2025, 6, 3, 10, 4, tzinfo=UTC),
    references=("<first@acme.example>",),
)


def test_a_reply_stays_in_the_thread_and_quotes_the_original() -> None:
    reply = compose_reply(ORIGINAL, "anna.smith@pool.example", "seed")

    assert reply.subject == "Re: Update on the budget draft"
    assert reply.in_reply_to == ORIGINAL.message_id
    assert reply.references == ("<first@acme.example>", ORIGINAL.message_id)
    assert "On Tue, 03 Jun 2025 at 10:04, bob.jones@acme.example wrote:\n> Hi Anna,\n>\n" in (
        reply.text
    )
    assert reply.text.rstrip().endswith("> Bob")
    assert "\nAnna\n" in reply.text


def test_a_reply_to_a_reply_keeps_one_re_prefix() -> None:
    answered = WarmupOriginal("<x@y.example>", "a@b.example", "RE: Update", "text")

    assert compose_reply(answered, "c@d.example", "s").subject == "RE: Update"


def test_replies_are_deterministic_for_a_seed_and_vary_across_seeds() -> None:
    same = compose_reply(ORIGINAL, "anna@pool.example", "s1")

    assert same == compose_reply(ORIGINAL, "anna@pool.example", "s1")
    texts = {compose_reply(ORIGINAL, "anna@pool.example", f"s{i}").text for i in range(40)}
    assert len(texts) > 10


def test_a_long_reference_chain_keeps_its_first_and_latest_ids() -> None:
    chain = tuple(f"<r{i}@x.example>" for i in range(30))
    original = WarmupOriginal("<last@x.example>", "a@b.example", "s", "t", references=chain)

    references = compose_reply(original, "c@d.example", "s").references

    assert len(references) == 20
    assert references[0] == "<r0@x.example>"
    assert references[-2:] == ("<r29@x.example>", "<last@x.example>")


def test_a_reply_needs_a_real_message_id() -> None:
    with pytest.raises(ValueError, match="Message-ID"):
        compose_reply(WarmupOriginal("no-brackets", "a@b.example", "s", "t"), "c@d.x", "s")
