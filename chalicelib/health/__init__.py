"""Health: deliverability health of sending domains and mailboxes (a score out of 100 in four
parts), alerts with their actions (pause a mailbox, a domain's mailboxes or a campaign;
throttle a mailbox), the EWMA anomaly detector, the spam-rate forecast and the DNSBL checks.
Nothing imports this feature but ``app.py`` and ``functions/``: it reads every other one
(so it lives beside analytics, not in it: analytics is imported by mailboxes and sending)."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.health.rules.alerts import Alert
    from chalicelib.health.service import evaluate
    from chalicelib.health.wiring import ports as health_ports
    from chalicelib.health.wiring import run_monitor
else:
    from chalicelib.core.lazy import exports

    __getattr__ = exports(
        __name__,
        {
            "Alert": "chalicelib.health.rules.alerts",
            "evaluate": "chalicelib.health.service",
            "health_ports": "chalicelib.health.wiring:ports",
            "run_monitor": "chalicelib.health.wiring",
        },
    )

__all__ = ["Alert", "evaluate", "health_ports", "run_monitor"]
