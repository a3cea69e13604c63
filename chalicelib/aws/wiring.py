"""Every shared AWS provider (clients, logger and metrics, secrets, the event publishers),
loaded together when one of them is looked up by name."""

from chalicelib.aws import clients, kinesis, outbox, powertools, secrets

__all__ = ["clients", "kinesis", "outbox", "powertools", "secrets"]
