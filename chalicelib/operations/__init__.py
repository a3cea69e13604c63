"""Operations: what operators do to the platform itself rather than to a tenant — today,
moving the messages of a dead-letter queue back onto the queue they came from. Other
modules may use what is listed here."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.operations.ports import DeadLetterQueues, Parked
    from chalicelib.operations.service import Redrive, redrive
    from chalicelib.operations.wiring import dead_letters, known_queues
else:
    from chalicelib.core.lazy import exports

    __getattr__ = exports(
        __name__,
        {
            "DeadLetterQueues": "chalicelib.operations.ports",
            "Parked": "chalicelib.operations.ports",
            "Redrive": "chalicelib.operations.service",
            "redrive": "chalicelib.operations.service",
            "dead_letters": "chalicelib.operations.wiring",
            "known_queues": "chalicelib.operations.wiring",
        },
    )

__all__ = ["DeadLetterQueues", "Parked", "Redrive", "dead_letters", "known_queues", "redrive"]
