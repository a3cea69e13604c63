"""The redrive over the in-memory queues: each message moved once, a second run moves
nothing, the loop is bounded, a crash between send and delete duplicates and never loses,
and names that are no dead-letter queue are refused by name."""

from __future__ import annotations

import pytest

from chalicelib.core.errors import NotFound, UnprocessableEntity
from chalicelib.operations.service import redrive
from tests.fakes.operations import Crashed, FakeDeadLetters

KNOWN = {
    "send-bulk": None,
    "send-bulk-dlq": "send-bulk",
    "notifications": None,
    "notifications-dlq": "notifications",
}


def _parked(n: int) -> FakeDeadLetters:
    queues = FakeDeadLetters()
    for i in range(n):
        queues.park("send-bulk-dlq", f'{{"message_id": "msg_{i}"}}', attributes={"a": {"x": i}})
    return queues


def test_two_runs_move_each_message_once():
    # given 25 parked messages (three batches)
    queues = _parked(25)
    # when the redrive runs twice
    first = redrive(queues, KNOWN, "send-bulk-dlq")
    second = redrive(queues, KNOWN, "send-bulk-dlq")
    # then every message is on its source queue once, with its attributes, and none is left
    assert (first.moved, first.stopped, first.source) == (25, "empty", "send-bulk")
    assert (second.moved, second.stopped) == (0, "empty")
    assert sorted(queues.bodies("send-bulk")) == sorted(
        f'{{"message_id": "msg_{i}"}}' for i in range(25)
    )
    assert [p.attributes for p in queues.queues["send-bulk"]][:2] == [
        {"a": {"x": 0}},
        {"a": {"x": 1}},
    ]
    assert queues.bodies("send-bulk-dlq") == [] and queues.hidden["send-bulk-dlq"] == []


def test_the_loop_stops_at_its_limit():
    queues = _parked(25)
    done = redrive(queues, KNOWN, "send-bulk-dlq", limit=12)
    assert (done.moved, done.stopped) == (12, "limit")
    assert len(queues.bodies("send-bulk-dlq")) == 13


def test_a_crash_between_send_and_delete_duplicates_and_loses_nothing():
    # given a run that dies after its first batch was sent, before the delete
    queues = _parked(3)
    queues.crash_before_forget = True
    with pytest.raises(Crashed):
        redrive(queues, KNOWN, "send-bulk-dlq")
    # when the hidden originals come back (visibility timeout) and the redrive runs again
    queues.expire()
    again = redrive(queues, KNOWN, "send-bulk-dlq")
    # then each message is on the source twice at most, and the DLQ is empty
    assert again.moved == 3
    assert sorted(queues.bodies("send-bulk")) == sorted(
        2 * [f'{{"message_id": "msg_{i}"}}' for i in range(3)]
    )
    assert queues.bodies("send-bulk-dlq") == []


def test_a_source_that_refuses_stops_the_run_and_keeps_the_messages():
    queues = _parked(5)
    queues.refusing.add("send-bulk")
    done = redrive(queues, KNOWN, "send-bulk-dlq")
    assert (done.moved, done.refused, done.stopped) == (0, 5, "refused")
    queues.expire()
    assert len(queues.bodies("send-bulk-dlq")) == 5


def test_an_unknown_name_is_a_404_naming_it():
    with pytest.raises(NotFound, match="no queue named 'nope-dlq'") as err:
        redrive(FakeDeadLetters(), KNOWN, "nope-dlq")
    assert err.value.details["field"] == "name"


def test_a_queue_that_is_no_dead_letter_queue_is_refused():
    with pytest.raises(UnprocessableEntity, match="'send-bulk' is not a dead-letter queue") as err:
        redrive(FakeDeadLetters(), KNOWN, "send-bulk")
    assert err.value.details["dead_letter_queues"] == ["notifications-dlq", "send-bulk-dlq"]
