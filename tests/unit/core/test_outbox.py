"""The outbox's reading of a DynamoDB Stream record: the events a change brings are those of
its new image that its old image did not carry; nothing else ever is."""

from __future__ import annotations

from chalicelib.aws import outbox
from chalicelib.core.events import new_event


def _event(kind: str = "message.sent") -> dict:
    return new_event(kind, "ten_abcdefghijklmnopqrst", "2026-12-02T12:00:00Z", message_id="msg_a")


def _image(events: list[dict] | None) -> dict:
    image = {"tenant_id": {"S": "ten_abcdefghijklmnopqrst"}, "sk": {"S": "msg_a"}}
    if events is not None:
        image[outbox.ATTRIBUTE] = outbox.attribute_value(events)
    return image


def _record(name: str, old: list[dict] | None, new: list[dict] | None) -> dict:
    change: dict = {"SequenceNumber": "1"}
    if old is not None or name != "INSERT":
        change["OldImage"] = _image(old)
    if name != "REMOVE":
        change["NewImage"] = _image(new)
    return {"eventName": name, "dynamodb": change}


def test_a_new_item_brings_the_events_it_carries():
    queued = _event("message.queued")
    assert outbox.events_of_change(_record("INSERT", None, [queued])) == [queued]


def test_a_change_brings_only_the_events_the_old_image_did_not_carry():
    first, second = _event("message.sending"), _event("message.sent")
    assert outbox.events_of_change(_record("MODIFY", [first], [second])) == [second]


def test_a_write_that_leaves_the_outbox_alone_brings_nothing():
    first = _event("message.sending")
    assert outbox.events_of_change(_record("MODIFY", [first], [first])) == []
    assert outbox.events_of_change(_record("MODIFY", None, None)) == []


def test_a_removal_brings_nothing():
    assert outbox.events_of_change(_record("REMOVE", [_event()], None)) == []


def test_an_unreadable_outbox_brings_nothing():
    record = _record("INSERT", None, None)
    record["dynamodb"]["NewImage"][outbox.ATTRIBUTE] = {"S": "not json"}
    assert outbox.events_of_change(record) == []
    record["dynamodb"]["NewImage"][outbox.ATTRIBUTE] = {"S": '[{"type": "no id"}, 3]'}
    assert outbox.events_of_change(record) == []


def test_events_are_grouped_by_the_message_they_are_about():
    a = _event()
    b = new_event("message.queued", "ten_x", "2026-12-02T12:00:00Z", message_id="msg_b")
    assert outbox.per_message([a, b, a]) == {"msg_a": [a, a], "msg_b": [b]}
