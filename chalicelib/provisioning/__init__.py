"""Provisioning: a tenant's own sending server, created end to end on Step Functions (VPS,
MailU, mailboxes, DNS with PTR, a TLS certificate, health checks, registration, warm-up) and
rolled back or decommissioned in reverse order. Other features may use what is listed here."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.provisioning.runner import run_step
else:
    from chalicelib.core.lazy import exports

    __getattr__ = exports(__name__, {"run_step": "chalicelib.provisioning.runner"})

__all__ = ["run_step"]
