"""Provisioning: a tenant's own sending server, created end to end on Step Functions (VPS,
MailU, mailboxes, DNS with PTR, a TLS certificate, health checks, registration, warm-up) and
rolled back or decommissioned in reverse order. Other features may use what is listed here."""

__all__: list[str] = []
