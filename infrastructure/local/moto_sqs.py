"""Standard SQS queues in the emulator: fair by tenant, and a flat cost per message.

Fair queues. Amazon SQS fair queues in the emulator: a standard queue whose messages carry a
``MessageGroupId`` (the tenant id on our send queues) serves the quietest group first, so one
tenant's backlog does not hold back another tenant's messages.

SQS (since 2025) does this for every standard queue: when one group has far more messages in
flight than the others, receives prefer the other groups' messages; nothing is dropped or
throttled, and the noisy group gets the rest of the capacity. moto 5.2 keeps the group id of a
standard queue's message but serves visible messages in arrival order. Here a receive on a
standard queue picks, one message at a time, from the group with the fewest messages in flight
(those already picked by this receive included), oldest message first, ties to the group seen
first (the one whose oldest message is oldest); a message without a group is a group of its own
(as in SQS). This emulates the aim, not SQS's exact thresholds (10 % of the in-flight messages
and at least 30): locally a quiet tenant is always served first, which is what the fairness
tests measure.

Cost: one pass over the queue's messages with plain attribute reads (moto's own receive makes
the same pass through properties that read the clock per message) and copies of the returned
messages only; FIFO queues keep moto's own receive.

Sending. moto's SendMessage reads the queue's ``attributes`` to learn whether it deduplicates by
content, and that property counts every message in the queue (visible, delayed, in flight,
reading the clock once per message each time), so filling a queue cost quadratic time: 2,000
messages took 224 s, 20,000 would take hours; with this patch 20,000 take 37 s. A standard queue
never deduplicates, so its sends skip that read; FIFO queues keep moto's own send.
"""

from __future__ import annotations

import copy
import heapq
from collections import Counter
from typing import Any

_original: dict[str, Any] = {}


def apply() -> None:
    from moto.sqs.models import SQSBackend

    if "receive_message" in _original:
        return
    _original["receive_message"] = SQSBackend.receive_message
    _original["send_message"] = SQSBackend.send_message
    SQSBackend.receive_message = _receive_message  # type: ignore[method-assign]
    SQSBackend.send_message = _send_message  # type: ignore[method-assign]


def _send_message(
    self: Any,
    queue_name: str,
    message_body: str,
    message_attributes: dict[str, Any] | None = None,
    delay_seconds: int | None = None,
    deduplication_id: str | None = None,
    group_id: str | None = None,
    system_attributes: dict[str, Any] | None = None,
    validate_group_id: bool = True,
) -> Any:
    """moto's send for a standard queue, without reading the queue's counting attributes."""
    from moto.moto_api._internal import mock_random
    from moto.sqs.exceptions import InvalidParameterValue
    from moto.sqs.models import MAXIMUM_MESSAGE_DELAY, Message

    queue = self.get_queue(queue_name)
    if queue.fifo_queue:
        return _original["send_message"](
            self,
            queue_name,
            message_body,
            message_attributes,
            delay_seconds,
            deduplication_id,
            group_id,
            system_attributes,
            validate_group_id,
        )
    self._validate_message(queue, message_body, int(delay_seconds or 0), deduplication_id, group_id)
    delay = queue.delay_seconds if delay_seconds is None else int(delay_seconds)
    if delay > MAXIMUM_MESSAGE_DELAY:
        raise InvalidParameterValue(
            f"Value {delay} for parameter DelaySeconds is invalid. "
            "Reason: DelaySeconds must be >= 0 and <= 900."
        )
    message = Message(str(mock_random.uuid4()), message_body, system_attributes)
    message.deduplication_id = deduplication_id
    message.group_id = group_id
    if message_attributes:
        message.message_attributes = message_attributes
    message.mark_sent(delay_seconds=delay)
    queue.add_message(message)
    return message


def _receive_message(
    self: Any,
    queue_name: str,
    count: int,
    wait_seconds_timeout: int,
    visibility_timeout: int,
    message_attribute_names: list[str] | None = None,
) -> list[Any]:
    from moto.core.utils import unix_time

    queue = self.get_queue(queue_name)
    if queue.fifo_queue:
        return _original["receive_message"](  # type: ignore[no-any-return]
            self,
            queue_name,
            count,
            wait_seconds_timeout,
            visibility_timeout,
            message_attribute_names,
        )
    deadline = unix_time() + wait_seconds_timeout
    while True:
        result = _receive_once(queue, count, visibility_timeout, message_attribute_names or [])
        if result or not wait_seconds_timeout or unix_time() > deadline:
            return result
        queue.wait_for_messages(1)


def _receive_once(
    queue: Any, count: int, visibility_timeout: int, attribute_names: list[str]
) -> list[Any]:
    from moto.core.utils import unix_time_millis
    from moto.sqs.models import _filter_message_attributes

    now = unix_time_millis()
    in_flight, candidates = _scan(queue, count, now)
    result: list[Any] = []
    for message in _fair_order(in_flight, candidates, count, queue):
        queue.pending_messages.add(message)
        message.mark_received(visibility_timeout=visibility_timeout)
        returned = copy.deepcopy(message)  # as moto: attribute filtering must not touch ours
        _filter_message_attributes(returned, attribute_names)
        result.append(returned)
    return result


def _scan(queue: Any, count: int, now: float) -> tuple[Counter[str], dict[str, list[Any]]]:
    """Messages in flight per group, and up to ``count`` visible messages per group, oldest
    first (dicts keep the order each group was first seen in: the oldest message's)."""
    in_flight: Counter[str] = Counter()
    candidates: dict[str, list[Any]] = {}
    retention_ms = int(queue.message_retention_period) * 1000
    for message in queue._messages:
        group = message.group_id or f"\0{message.id}"  # no group: a group of its own
        if message.visible_at >= now:
            if message in queue.pending_messages:
                in_flight[group] += 1
            continue
        if message.delayed_until > now or message.sent_timestamp + retention_ms <= now:
            continue
        queue.pending_messages.discard(message)  # visible again: its consumer timed out
        waiting = candidates.setdefault(group, [])
        if len(waiting) < count:
            waiting.append(message)
    return in_flight, candidates


def _fair_order(
    in_flight: Counter[str], candidates: dict[str, list[Any]], count: int, queue: Any
) -> list[Any]:
    """Up to ``count`` messages, each from the group with the fewest in flight at that point;
    a message past the redrive policy's receive count moves to the DLQ instead, as in moto."""
    heap = [(in_flight[g], rank, g, 0) for rank, g in enumerate(candidates)]
    heapq.heapify(heap)
    picked: list[Any] = []
    while heap and len(picked) < count:
        load, rank, group, index = heapq.heappop(heap)
        message = candidates[group][index]
        if index + 1 < len(candidates[group]):
            heapq.heappush(heap, (load + 1, rank, group, index + 1))
        if _redriven(queue, message):
            continue
        picked.append(message)
    return picked


def _redriven(queue: Any, message: Any) -> bool:
    policy = queue.redrive_policy
    if queue.dead_letter_queue is None or not policy:
        return False
    if message.approximate_receive_count < policy["maxReceiveCount"]:
        return False
    queue._messages.remove(message)
    queue.dead_letter_queue.add_message(message)
    return True
