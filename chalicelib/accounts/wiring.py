"""Builds the accounts feature's adapters lazily (cached, typed, overridable by name), and the
two entry points the HTTP pipeline is configured with: ``authenticate`` and ``record_audit``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.analytics import counters as usage_counters
from chalicelib.aws import clients, dynamodb, secrets
from chalicelib.aws.best_effort import BestEffortJobs
from chalicelib.core.clock import system_clock
from chalicelib.core.settings import settings
from chalicelib.core.wiring import provider

if TYPE_CHECKING:
    from chalicelib.accounts.ports import (
        ApiKeyStore,
        AuditStore,
        JobQueue,
        LocalLimits,
        MailRelay,
        NotificationClaims,
        RateCounter,
        TenantStore,
    )
    from chalicelib.accounts.service.limits import LimitPorts
    from chalicelib.accounts.service.notifications import NotifierPorts
    from chalicelib.accounts.service.tenants import AccountPorts
    from chalicelib.core.tenancy import RequestContext


@provider("accounts.tenants")
def tenants() -> TenantStore:
    from chalicelib.accounts.store import DynamoTenantRepository

    dynamodb.bind_models()
    return DynamoTenantRepository()


@provider("accounts.api_keys")
def api_keys() -> ApiKeyStore:
    from chalicelib.accounts.store import DynamoApiKeyRepository

    dynamodb.bind_models()
    return DynamoApiKeyRepository()


@provider("accounts.audit")
def audit() -> AuditStore:
    from chalicelib.accounts.store import DynamoAuditRepository

    dynamodb.bind_models()
    return DynamoAuditRepository()


@provider("accounts.claims")
def claims() -> NotificationClaims:
    from chalicelib.accounts.claims_store import DynamoClaims

    dynamodb.bind_models()
    return DynamoClaims()


@provider("accounts.notifications")
def notifications() -> JobQueue:
    from chalicelib.aws.sqs import SqsJobQueue

    return SqsJobQueue(clients.sqs(), settings().notifications_queue_url)


@provider("accounts.relay")
def relay() -> MailRelay:
    from chalicelib.accounts.relay import SmtpRelay
    from chalicelib.mail.connection import ServerLogin

    s = settings()
    password = secrets.cached().get(s.notify_smtp_secret) if s.notify_smtp_secret else ""
    login = ServerLogin(
        s.notify_smtp_host,
        s.notify_smtp_port,
        s.notify_smtp_security,
        s.notify_smtp_username,
        password,
        verify_tls=not s.is_local,
    )
    return SmtpRelay(login)


def _admin_key() -> str:
    return secrets.cached().get(settings().admin_key_secret)


@provider("accounts.ports")
def ports() -> AccountPorts:
    """The ports the account use cases need; notifications best-effort."""
    from chalicelib.accounts.service.tenants import AccountPorts

    return AccountPorts(
        tenants=tenants(),
        api_keys=api_keys(),
        audit=audit(),
        counters=usage_counters(),
        notifications=BestEffortJobs(notifications, "NotificationEnqueueFailures"),
        clock=system_clock(),
        admin_key=_admin_key,
    )


@provider("accounts.rate_counter")
def rate_counter() -> RateCounter:
    from chalicelib.accounts.limits_store import API_LIMITS, DynamoRateCounter

    return DynamoRateCounter(API_LIMITS.bind())


@provider("accounts.local_limits")
def local_limits() -> LocalLimits:
    """This container's memory of full windows and failing addresses."""
    from chalicelib.accounts.local_limits import MemoryLimits

    return MemoryLimits()


@provider("accounts.limit_ports")
def limit_ports() -> LimitPorts:
    from chalicelib.accounts.service.limits import LimitPorts

    return LimitPorts(
        counter=rate_counter(),
        memory=local_limits(),
        clock=system_clock(),
        scale=settings().api_rate_scale,
    )


def authenticate(auth: str, token: str | None, request_id: str, source_ip: str) -> RequestContext:
    """Who calls, within the API's limits (``service.limits``)."""
    from chalicelib.accounts.service import limits
    from chalicelib.accounts.service import tenants as service

    return limits.within_limits(
        limit_ports(),
        source_ip,
        lambda: service.authenticate(ports(), auth, token, request_id, source_ip),
    )


def record_audit(action: str, ctx: RequestContext, tenant_id: str, resource_id: str | None) -> None:
    from chalicelib.accounts.service import tenants as service

    service.record_audit(ports(), action, ctx, tenant_id, resource_id)


def notify_tenant(tenant_id: str, kind: str, facts: dict[str, str]) -> None:
    """Queue a notification to a tenant's contact address (best-effort; none without one)."""
    from chalicelib.accounts.service import tenants as service

    service.notify_tenant(ports(), tenant_id, kind, facts)


@provider("accounts.notifier_ports")
def notifier_ports() -> NotifierPorts:
    from chalicelib.accounts.service.notifications import NotifierPorts

    return NotifierPorts(
        claims=claims(),
        relay=relay(),
        clock=system_clock(),
        sender=settings().notify_from,
    )


def deliver_notification(job: dict[str, Any]) -> bool:
    from chalicelib.accounts.service import notifications as service

    return service.deliver_notification(notifier_ports(), job)
