"""Every shared AWS provider (clients, logger and metrics, secrets, the event publishers),
loaded together when one of them is looked up by name."""

from chalicelib.aws import clients, kinesis, powertools, secrets

__all__ = ["clients", "kinesis", "powertools", "secrets"]
