"""Live updates: a WebSocket API (API Gateway's, through Chalice's websocket handlers; the
local platform's WebSocket server locally) on which a client authenticates with a ticket or
an API key, subscribes to its tenant's stream, a campaign or a message, and receives each
event and the counters that moved, pushed by the event consumers. Other features and the
functions may use what is listed here (loaded on first use)."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.realtime.ports import Gone, Pusher
    from chalicelib.realtime.wiring import (
        enforce_auth_deadline,
        handle_ws_event,
        push_campaign_counters,
        push_events,
    )
else:
    from chalicelib.core.lazy import exports

    __getattr__ = exports(
        __name__,
        {
            "Gone": "chalicelib.realtime.ports",
            "Pusher": "chalicelib.realtime.ports",
            "enforce_auth_deadline": "chalicelib.realtime.wiring",
            "handle_ws_event": "chalicelib.realtime.wiring",
            "push_campaign_counters": "chalicelib.realtime.wiring",
            "push_events": "chalicelib.realtime.wiring",
        },
    )

__all__ = [
    "Gone",
    "Pusher",
    "enforce_auth_deadline",
    "handle_ws_event",
    "push_campaign_counters",
    "push_events",
]
