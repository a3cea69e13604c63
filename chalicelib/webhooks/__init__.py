"""Webhooks: tenants' endpoints (URL checks against SSRF, event filters, signing secrets with
rotation), the dispatch of stream events to signed deliveries, their retries, parking and
log, the disabling of endpoints that keep failing, test events and replays of past ranges.
Other features and the functions use what is listed here."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.webhooks.rules.signing import signature_header, verify
    from chalicelib.webhooks.service.deliver import Outcome
    from chalicelib.webhooks.wiring import deliver, dispatch_events, run_replay_step
else:
    from chalicelib.core.lazy import exports

    __getattr__ = exports(
        __name__,
        {
            "Outcome": "chalicelib.webhooks.service.deliver",
            "deliver": "chalicelib.webhooks.wiring",
            "dispatch_events": "chalicelib.webhooks.wiring",
            "run_replay_step": "chalicelib.webhooks.wiring",
            "signature_header": "chalicelib.webhooks.rules.signing",
            "verify": "chalicelib.webhooks.rules.signing",
        },
    )

__all__ = [
    "Outcome",
    "deliver",
    "dispatch_events",
    "run_replay_step",
    "signature_header",
    "verify",
]
