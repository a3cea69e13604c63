"""Builds the operations feature's adapter lazily (cached, typed, overridable by name)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.aws import clients
from chalicelib.core.settings import settings
from chalicelib.core.wiring import provider

if TYPE_CHECKING:
    from chalicelib.operations.ports import DeadLetterQueues


def known_queues() -> dict[str, str | None]:
    """Every queue this process knows, by name → the queue it is the dead-letter queue of
    (None for a source queue): the template's queues, through ``core.resources``."""
    return {ref.name: ref.dead_letter_for for ref in settings().queue_urls()}


@provider("operations.dead_letters")
def dead_letters() -> DeadLetterQueues:
    from chalicelib.operations.store import SqsDeadLetters

    urls = {ref.name: url for ref, url in settings().queue_urls().items()}
    return SqsDeadLetters(clients.sqs(), urls)
