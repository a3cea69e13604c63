"""Lazily built, cached clients and repositories: the only place adapters are built.

Nothing is built at import. Tests swap any piece for a fake with ``deps.override`` and put
everything back with ``deps.reset``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from chalicelib.settings import settings

_built: dict[str, Any] = {}
_overrides: dict[str, Any] = {}
_lock = threading.RLock()


def _get(name: str, build: Callable[[], Any]) -> Any:
    if name in _overrides:
        return _overrides[name]
    with _lock:
        if name not in _built:
            _built[name] = build()
        return _built[name]


def override(name: str, value: Any) -> None:
    _overrides[name] = value


def reset() -> None:
    with _lock:
        _built.clear()
        _overrides.clear()


def session() -> Any:
    """One boto3 session per process: every client shares its loaded SDK data."""

    def build() -> Any:
        import boto3

        return boto3.session.Session(region_name=settings().region)

    return _get("session", build)


def client(service: str) -> Any:
    def build() -> Any:
        from botocore.config import Config

        config = Config(connect_timeout=3, read_timeout=10, retries={"max_attempts": 3})
        return session().client(service, endpoint_url=settings().endpoint_url, config=config)

    return _get(f"client:{service}", build)


def dynamodb_models() -> Any:
    """The PynamoDB models, bound to the shared DynamoDB client (one client, not one each)."""

    def build() -> Any:
        from chalicelib.adapters.dynamodb import models

        models.bind_client(client("dynamodb"))
        return models

    return _get("dynamodb_models", build)


def clock() -> Any:
    from chalicelib.domain.clock import SystemClock

    return _get("clock", SystemClock)


def counters() -> Any:
    from chalicelib.adapters.dynamodb.counters import DynamoCounterStore

    s = settings()
    return _get(
        "counters",
        lambda: DynamoCounterStore(
            client("dynamodb"), s.counters_table, s.idempotency_table, s.messages_table
        ),
    )


def tenants() -> Any:
    from chalicelib.adapters.dynamodb.tenants import DynamoTenantRepository

    dynamodb_models()
    return _get("tenants", lambda: DynamoTenantRepository(counters()))


def api_keys() -> Any:
    from chalicelib.adapters.dynamodb.api_keys import DynamoApiKeyRepository

    dynamodb_models()
    return _get("api_keys", DynamoApiKeyRepository)


def audit() -> Any:
    from chalicelib.adapters.dynamodb.audit import DynamoAuditRepository

    dynamodb_models()
    return _get("audit", DynamoAuditRepository)


def idempotency() -> Any:
    from chalicelib.adapters.dynamodb.idempotency import DynamoIdempotency

    dynamodb_models()
    return _get("idempotency", DynamoIdempotency)


def events() -> Any:
    from chalicelib.adapters.kinesis import KinesisEventPublisher

    return _get(
        "events", lambda: KinesisEventPublisher(client("kinesis"), settings().events_stream)
    )


def notifications() -> Any:
    from chalicelib.adapters.sqs import SqsJobQueue

    return _get(
        "notifications", lambda: SqsJobQueue(client("sqs"), settings().notifications_queue_url)
    )


def secrets() -> Any:
    from chalicelib.adapters.secrets import CachedSecrets

    return _get(
        "secrets", lambda: CachedSecrets(client("secretsmanager"), settings().secrets_max_age)
    )


def relay() -> Any:
    def build() -> Any:
        from chalicelib.adapters.smtp import SmtpEndpoint, SmtpRelay

        s = settings()
        password = secrets().get(s.notify_smtp_secret) if s.notify_smtp_secret else ""
        return SmtpRelay(
            SmtpEndpoint(
                host=s.notify_smtp_host,
                port=s.notify_smtp_port,
                security=s.notify_smtp_security,
                username=s.notify_smtp_username,
                password=password,
                verify_tls=not s.is_local,
            )
        )

    return _get("relay", build)


def logger() -> Any:
    def build() -> Any:
        from aws_lambda_powertools import Logger

        return Logger(service=settings().service)

    return _get("logger", build)


def metrics() -> Any:
    def build() -> Any:
        from aws_lambda_powertools import Metrics

        return Metrics(namespace="PenguinMails", service=settings().service)

    return _get("metrics", build)


def account_ports() -> Any:
    """The ports the account use cases need; events and notifications best-effort."""
    from chalicelib.adapters.guarded import BestEffort
    from chalicelib.domain.accounts import Ports

    return Ports(
        tenants=tenants(),
        api_keys=api_keys(),
        events=BestEffort(events, "publish", "EventPublishFailures", logger, metrics),
        notifications=BestEffort(
            notifications, "enqueue", "NotificationEnqueueFailures", logger, metrics
        ),
        clock=clock(),
    )


def secret_writer() -> Any:
    from chalicelib.adapters.secret_writer import SecretWriter

    return _get("secret_writer", lambda: SecretWriter(client("secretsmanager")))


def domains() -> Any:
    from chalicelib.adapters.dynamodb.domains import DynamoDomainRepository

    dynamodb_models()
    return _get("domains", DynamoDomainRepository)


def mailboxes() -> Any:
    from chalicelib.adapters.dynamodb.mailboxes import DynamoMailboxRepository

    dynamodb_models()
    return _get("mailboxes", DynamoMailboxRepository)


def route53() -> Any:
    from chalicelib.adapters.route53 import Route53Publisher

    return _get("route53", lambda: Route53Publisher(client("route53")))


def dns_lookup() -> Any:
    def build() -> Any:
        from chalicelib.adapters.dns import DnsPythonLookup

        s = settings()
        return DnsPythonLookup(s.dns_nameserver or None, s.dns_port, s.dns_timeout)

    return _get("dns_lookup", build)


def dkim_keys() -> Any:
    def build() -> Any:
        from chalicelib.adapters.dkim import generate_key

        return generate_key

    return _get("dkim_keys", build)


def mailbox_probe() -> Any:
    from chalicelib.adapters.mailbox_probe_port import MailboxProber

    return _get("mailbox_probe", lambda: MailboxProber(verify_tls=not settings().is_local))


def domain_ports() -> Any:
    from chalicelib.domain.domain_service import DomainPorts
    from chalicelib.domain.domains import DomainParams

    s = settings()
    return DomainPorts(
        domains=domains(),
        publisher=route53,
        secrets=secret_writer(),
        keys=dkim_keys(),
        dns=dns_lookup,
        clock=clock(),
        params=DomainParams(s.tracking_host, s.dmarc_rua),
        secrets_prefix=s.secrets_prefix,
    )


def mailbox_ports() -> Any:
    from chalicelib.domain.mailbox_service import MailboxPorts

    return MailboxPorts(
        mailboxes=mailboxes(),
        domains=domains(),
        secrets=secret_writer(),
        probe=mailbox_probe(),
        counters=counters(),
        clock=clock(),
        secrets_prefix=settings().secrets_prefix,
    )


def templates() -> Any:
    from chalicelib.adapters.dynamodb.templates import DynamoTemplateRepository

    dynamodb_models()
    return _get("templates", lambda: DynamoTemplateRepository(client("s3"), settings().bucket))


def messages() -> Any:
    from chalicelib.adapters.dynamodb.messages import DynamoMessageRepository

    return _get(
        "messages", lambda: DynamoMessageRepository(client("dynamodb"), settings().messages_table)
    )


def message_bodies() -> Any:
    from chalicelib.adapters.message_bodies import S3MessageBodies

    return _get("message_bodies", lambda: S3MessageBodies(client("s3"), settings().bucket))


def suppressions() -> Any:
    from chalicelib.adapters.dynamodb.suppressions import DynamoSuppressionStore

    return _get(
        "suppressions",
        lambda: DynamoSuppressionStore(client("dynamodb"), settings().suppressions_table),
    )


def cooldowns() -> Any:
    from chalicelib.adapters.dynamodb.cooldowns import DynamoCooldowns

    return _get("cooldowns", lambda: DynamoCooldowns(client("dynamodb"), settings().counters_table))


def send_queues() -> Any:
    def build() -> Any:
        from chalicelib.adapters.sqs import SendQueues

        s = settings()
        return SendQueues(
            client("sqs"),
            {"priority": s.send_priority_queue_url, "bulk": s.send_bulk_queue_url},
            {"priority": s.send_priority_dlq_url, "bulk": s.send_bulk_dlq_url},
        )

    return _get("send_queues", build)


def guarded_events() -> Any:
    from chalicelib.adapters.guarded import BestEffort

    return _get(
        "guarded_events",
        lambda: BestEffort(events, "publish", "EventPublishFailures", logger, metrics),
    )


def tracking_keys() -> Any:
    def build() -> Any:
        from chalicelib.adapters.tracking_keys import load_keys

        return load_keys(secrets().get(settings().tracking_keys_secret))

    return _get("tracking_keys", build)


def message_ports() -> Any:
    from chalicelib.domain.message_service import MessagePorts

    return MessagePorts(
        messages=messages(),
        bodies=message_bodies(),
        mailboxes=mailboxes(),
        domains=domains(),
        templates=templates(),
        tenants=tenants(),
        counters=counters(),
        queue=send_queues(),
        events=guarded_events(),
        clock=clock(),
    )


def send_ports() -> Any:
    """Cached like every dependency, so tests can ``override("send_ports", …)``."""
    return _get("send_ports", _build_send_ports)


def _build_send_ports() -> Any:
    from chalicelib.adapters import send_wiring
    from chalicelib.domain.send_service import SendPorts

    s = settings()
    return SendPorts(
        messages=messages(),
        bodies=message_bodies(),
        tenants=tenants(),
        mailboxes=mailboxes(),
        domains=domains(),
        counters=counters(),
        suppressions=suppressions(),
        cooldowns=cooldowns(),
        queues=send_queues(),
        events=guarded_events(),
        clock=clock(),
        identity=send_wiring.identity_factory(secrets(), s),
        builder=send_wiring.builder(tracking_keys),
        senders=send_wiring.sender_factory(secrets(), s),
        envelope=send_wiring.envelope,
        retry_scale=s.retry_scale,
        lease_seconds=s.send_lease_seconds,
    )


def request_keys() -> Any:
    from chalicelib.adapters.dynamodb.request_keys import RequestKeys

    return _get(
        "request_keys", lambda: RequestKeys(client("dynamodb"), settings().idempotency_table)
    )


def unsubscribe_ports() -> Any:
    from chalicelib.domain.unsubscribe import UnsubscribePorts

    return UnsubscribePorts(
        messages=messages(), suppressions=suppressions(), events=guarded_events(), clock=clock()
    )


def inbound() -> Any:
    from chalicelib.adapters.dynamodb.inbound import DynamoInboundRepository

    return _get(
        "inbound", lambda: DynamoInboundRepository(client("dynamodb"), settings().inbound_table)
    )


def inbound_queue() -> Any:
    from chalicelib.adapters.sqs import SendQueues

    return _get(
        "inbound_queue",
        lambda: SendQueues(client("sqs"), {"inbound": settings().inbound_queue_url}, {}),
    )


def inbox_state() -> Any:
    from chalicelib.adapters.inbound_store import DynamoInboxState

    return _get(
        "inbox_state", lambda: DynamoInboxState(client("dynamodb"), settings().counters_table)
    )


def inbox_source(mailbox: Any) -> Any:
    """IMAP when the mailbox has it; on the local platform, the local SMTP server's inbox
    store; otherwise None (nothing to read)."""
    s = settings()
    if mailbox.imap is not None:
        from chalicelib.adapters.inbox_sources import ImapInboxSource

        password = secrets().get(mailbox.imap.secret_name)
        return ImapInboxSource(mailbox.imap, password, s.smtp_timeout, s.verify_smtp_tls)
    if s.is_local and s.local_inbox_url:
        from chalicelib.adapters.inbox_sources import LocalInboxSource

        return LocalInboxSource(s.local_inbox_url, mailbox.email)
    return None


def inbound_ports() -> Any:
    def build() -> Any:
        from chalicelib.adapters.inbound_store import DynamoSoftBounces, S3InboundStore
        from chalicelib.domain.inbound import classify
        from chalicelib.domain.inbound_service import InboundPorts

        s = settings()
        return InboundPorts(
            messages=messages(),
            inbound=inbound(),
            store=S3InboundStore(client("s3"), s.bucket),
            suppressions=suppressions(),
            soft_bounces=DynamoSoftBounces(client("dynamodb"), s.counters_table),
            events=guarded_events(),
            clock=clock(),
            classify=classify,
        )

    return _get("inbound_ports", build)
