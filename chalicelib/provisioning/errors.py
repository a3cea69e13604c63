"""The error names the state machines tell apart (ASL ``Retry``/``Catch`` ``ErrorEquals``).

A Lambda task's error name is its exception's class name, so each class here is a name in
``infrastructure/statemachines/*.asl.json``. Transient ones are retried with backoff, each
class with its own policy; everything else (``ProvisioningFailed`` and any unexpected
exception) goes straight to the rollback.
"""

from __future__ import annotations


class ProvisioningError(Exception):
    """Base class; never raised itself."""


class ProviderUnavailable(ProvisioningError):
    """A provider API timed out, refused the connection or answered 5xx / 429: retry."""


class ServerNotReady(ProvisioningError):
    """The new server does not answer yet (cloud-init still running): retry, slowly."""


class DnsNotVisible(ProvisioningError):
    """Records published but not yet seen by resolvers: retry while DNS propagates."""


class CertificateAuthorityUnavailable(ProvisioningError):
    """The ACME server is unreachable or busy: retry."""


class HealthCheckFailed(ProvisioningError):
    """The finished server failed a check that may pass later: retry a few times."""


class ProvisioningFailed(ProvisioningError):
    """A permanent failure (quota, refused order, rejected challenge...): roll back."""


class QuotaExceeded(ProvisioningFailed):
    """The tenant's plan does not allow another server or that many mailboxes."""


class CertificateRejected(ProvisioningFailed):
    """The CA refused the order or a challenge failed validation."""


class VpsTimeout(ProvisioningFailed):
    """The VPS never got an IP address within the allowed polls."""
