"""The one mapping from every setting the code reads to where its value comes from.

A resource (table, queue, stream, bucket, secret) is declared once, in
``infrastructure/template.yaml``; its stack output reaches the code through an environment
variable. The deploy (stack outputs → the API's environment), the local platform and the
tests (the emulator's stack outputs → the environment) and ``Settings`` all use this module
to know which variable carries which output. Tests check it against the template: every
output has a source, every table is declared by a store and bound, every function's
environment agrees.

Tables need no entry here: a table is named by its logical id in the template, which is also
its output's name and ends in ``Table`` (``MessagesTable``); its variable is ``PM_`` and the
name in upper snake case (``PM_MESSAGES_TABLE``) and, unset, its name is the template's
(``penguinmails-{stage}-messages``). A store declares the table it uses by that name
(``@table_model("MessagesTable")``), so a new table is the template and its feature's
store, nothing else. The other resources (a handful, each with its own shape: queue URLs,
secrets with defaults) and the settings that are not resources (the stage, time scales,
limits, the local platform's choices) are listed in ``SOURCES`` with their variable and
default, so no setting lacks a source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

RESOURCE_KINDS = {
    "table": "AWS::DynamoDB::Table",
    "queue": "AWS::SQS::Queue",
    "stream": "AWS::Kinesis::Stream",
    "bucket": "AWS::S3::Bucket",
    "secret": "AWS::SecretsManager::Secret",
    "glue_database": "AWS::Glue::Database",
    "workgroup": "AWS::Athena::WorkGroup",
    "delivery_stream": "AWS::KinesisFirehose::DeliveryStream",
    "state_machine": "AWS::StepFunctions::StateMachine",
}


@dataclass(frozen=True)
class Source:
    """Where one setting comes from: its environment variable, the stack output that fills it
    (resources and stack parameters), and its default (None: required)."""

    env: str
    output: str | None = None
    kind: str = "value"  # a RESOURCE_KINDS key | parameter | value
    default: str | None = ""
    parse: str = "str"  # str | int | float | bool | optional

    @property
    def is_resource(self) -> bool:
        return self.kind in RESOURCE_KINDS


TABLE_SUFFIX = "Table"
_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z]|[0-9]|$)|[A-Z]?[a-z]+|[0-9]+")


def is_table(output: str) -> bool:
    """Whether a stack output (or a template logical id) names a table."""
    return output.endswith(TABLE_SUFFIX) and output != TABLE_SUFFIX


def table_env(table: str) -> str:
    """``DomainClaimsTable`` → ``PM_DOMAIN_CLAIMS_TABLE``."""
    if not is_table(table):
        raise ValueError(f"{table!r} is not a table's name (a template logical id ending in Table)")
    return "PM_" + "_".join(w.upper() for w in _WORDS.findall(table))


def table_default(table: str) -> str:
    """``DomainClaimsTable`` → ``penguinmails-{stage}-domain-claims``: the template's naming."""
    table_env(table)  # refuses a name that is not a table's
    words = _WORDS.findall(table)[:-1]
    return "penguinmails-{stage}-" + "-".join(w.lower() for w in words)


def _queue(env: str, output: str, required: bool = False) -> Source:
    return Source(env, output, "queue", None if required else "")


SOURCES: dict[str, Source] = {
    # --- resources: stack outputs -----------------------------------------------------------
    "events_stream": Source("PM_EVENTS_STREAM", "EventsStream", "stream", None),
    "bucket": Source("PM_BUCKET", "DataBucket", "bucket", None),
    "notifications_queue_url": _queue(
        "PM_NOTIFICATIONS_QUEUE_URL", "NotificationsQueueUrl", required=True
    ),
    "notifications_dlq_url": _queue("PM_NOTIFICATIONS_DLQ_URL", "NotificationsDLQUrl"),
    "inbound_queue_url": _queue("PM_INBOUND_QUEUE_URL", "InboundQueueUrl"),
    "send_priority_queue_url": _queue("PM_SEND_PRIORITY_QUEUE_URL", "SendPriorityQueueUrl"),
    "send_bulk_queue_url": _queue("PM_SEND_BULK_QUEUE_URL", "SendBulkQueueUrl"),
    "send_priority_dlq_url": _queue("PM_SEND_PRIORITY_DLQ_URL", "SendPriorityDLQUrl"),
    "send_bulk_dlq_url": _queue("PM_SEND_BULK_DLQ_URL", "SendBulkDLQUrl"),
    "inbound_dlq_url": _queue("PM_INBOUND_DLQ_URL", "InboundDLQUrl"),
    "contact_imports_queue_url": _queue("PM_CONTACT_IMPORTS_QUEUE_URL", "ContactImportsQueueUrl"),
    "contact_imports_dlq_url": _queue("PM_CONTACT_IMPORTS_DLQ_URL", "ContactImportsDLQUrl"),
    "analytics_reports_queue_url": _queue(
        "PM_ANALYTICS_REPORTS_QUEUE_URL", "AnalyticsReportsQueueUrl"
    ),
    "analytics_reports_dlq_url": _queue("PM_ANALYTICS_REPORTS_DLQ_URL", "AnalyticsReportsDLQUrl"),
    # webhooks: deliveries on a FIFO queue (order per endpoint and message), replay job steps
    "webhook_deliveries_queue_url": _queue(
        "PM_WEBHOOK_DELIVERIES_QUEUE_URL", "WebhookDeliveriesQueueUrl"
    ),
    "webhook_deliveries_dlq_url": _queue(
        "PM_WEBHOOK_DELIVERIES_DLQ_URL", "WebhookDeliveriesDLQUrl"
    ),
    "webhook_replays_queue_url": _queue("PM_WEBHOOK_REPLAYS_QUEUE_URL", "WebhookReplaysQueueUrl"),
    "webhook_replays_dlq_url": _queue("PM_WEBHOOK_REPLAYS_DLQ_URL", "WebhookReplaysDLQUrl"),
    "admin_key_secret": Source("PM_ADMIN_KEY_SECRET", "AdminKeySecret", "secret", None),
    "notify_smtp_secret": Source("PM_NOTIFY_SMTP_SECRET", "NotifySmtpSecret", "secret"),
    "tracking_keys_secret": Source(
        "PM_TRACKING_KEYS_SECRET",
        "TrackingKeysSecret",
        "secret",
        "penguinmails/{stage}/tracking-keys",
    ),
    "hostwinds_key_secret": Source(
        "PM_HOSTWINDS_KEY_SECRET",
        "HostwindsApiKeySecret",
        "secret",
        "penguinmails/{stage}/hostwinds-api-key",
    ),
    "cloudflare_token_secret": Source(
        "PM_CLOUDFLARE_TOKEN_SECRET",
        "CloudflareApiTokenSecret",
        "secret",
        "penguinmails/{stage}/cloudflare-api-token",
    ),
    # the OLAP tier: the Glue database Athena queries, the work group it runs in (result
    # location, bytes-scanned cutoff), the Firehose stream that fills it (deployed stages;
    # the local platform's Firehose pump and DuckDB adapter stand in, with these defaults)
    "analytics_database": Source(
        "PM_ANALYTICS_DATABASE",
        "AnalyticsDatabase",
        "glue_database",
        "penguinmails_{stage}_analytics",
    ),
    "analytics_workgroup": Source(
        "PM_ANALYTICS_WORKGROUP",
        "AnalyticsWorkGroup",
        "workgroup",
        "penguinmails-{stage}-analytics",
    ),
    "analytics_delivery_stream": Source(
        "PM_ANALYTICS_DELIVERY_STREAM",
        "AnalyticsDeliveryStream",
        "delivery_stream",
        "penguinmails-{stage}-analytics-events",
    ),
    # --- stack parameters the API also needs ------------------------------------------------
    "notify_smtp_host": Source("PM_NOTIFY_SMTP_HOST", "NotifySmtpHost", "parameter", "127.0.0.1"),
    "notify_smtp_port": Source("PM_NOTIFY_SMTP_PORT", "NotifySmtpPort", "parameter", "587", "int"),
    "notify_smtp_username": Source("PM_NOTIFY_SMTP_USERNAME", "NotifySmtpUsername", "parameter"),
    # --- platform settings ------------------------------------------------------------------
    "stage": Source("PM_STAGE", default=None),
    "region": Source("AWS_REGION", default="{default_region}"),
    "endpoint_url": Source("AWS_ENDPOINT_URL", parse="optional"),
    "service": Source("POWERTOOLS_SERVICE_NAME", default="penguinmails"),
    "notify_smtp_security": Source("PM_NOTIFY_SMTP_SECURITY", default="starttls"),
    "notify_from": Source(
        "PM_NOTIFY_FROM", default="PenguinMails <notifications@penguinmails.local>"
    ),
    "dns_nameserver": Source("PM_DNS_NAMESERVER"),
    "dns_port": Source("PM_DNS_PORT", default="53", parse="int"),
    "dns_timeout": Source("PM_DNS_TIMEOUT", default="3", parse="float"),
    "dnsbl_zones": Source("PM_DNSBL_ZONES", default=""),  # comma-separated; none: no checks
    "api_rate_scale": Source("PM_API_RATE_SCALE", default="1", parse="float"),
    "max_body_bytes": Source("PM_MAX_BODY_BYTES", default=str(256 * 1024), parse="int"),
    "secrets_max_age": Source("PM_SECRETS_MAX_AGE", default="300", parse="int"),
    "secrets_prefix": Source("PM_SECRETS_PREFIX", default="penguinmails/{stage}"),
    "tracking_host": Source("PM_TRACKING_HOST", default="track.penguinmails.local"),
    "tracking_base_url": Source("PM_TRACKING_BASE_URL"),
    "dmarc_rua": Source("PM_DMARC_RUA", default="dmarc-reports@penguinmails.local"),
    "retry_scale": Source("PM_RETRY_SCALE", default="1", parse="float"),
    "send_lease_seconds": Source("PM_SEND_LEASE_SECONDS", default="150", parse="int"),
    "smtp_connections_per_mailbox": Source(
        "PM_SMTP_CONNECTIONS_PER_MAILBOX", default="2", parse="int"
    ),
    "smtp_timeout": Source("PM_SMTP_TIMEOUT", default="20", parse="float"),
    "verify_smtp_tls": Source("PM_VERIFY_SMTP_TLS", default="true", parse="bool"),
    "local_inbox_url": Source("PM_LOCAL_INBOX_URL"),
    "webhook_rate_per_second": Source("PM_WEBHOOK_RATE_PER_SECOND", default="10", parse="int"),
    # --- provisioning: the providers' endpoints and the state machines ----------------------
    "hostwinds_api_url": Source("PM_HOSTWINDS_API_URL", default="https://clients.hostwinds.com"),
    "cloudflare_api_url": Source(
        "PM_CLOUDFLARE_API_URL", default="https://api.cloudflare.com/client/v4"
    ),
    "mail_admin_scheme": Source("PM_MAIL_ADMIN_SCHEME", default="https"),  # MailU's admin API
    "acme_directory_url": Source(
        "PM_ACME_DIRECTORY_URL", default="https://acme-v02.api.letsencrypt.org/directory"
    ),
    "acme_ca_bundle": Source("PM_ACME_CA_BUNDLE", parse="optional"),  # the ACME server's TLS
    "acme_contact": Source("PM_ACME_CONTACT", default="ops@penguinmails.local"),
    "tls_trust_bundle": Source("PM_TLS_TRUST_BUNDLE", parse="optional"),  # extra roots
    # deployed stages only (their outputs are Condition: Deployed); the local platform creates
    # the state machines in the emulator and sets these itself
    "provision_state_machine_arn": Source(
        "PM_PROVISION_STATE_MACHINE_ARN", "ProvisionStateMachineArn", "state_machine"
    ),
    "decommission_state_machine_arn": Source(
        "PM_DECOMMISSION_STATE_MACHINE_ARN", "DecommissionStateMachineArn", "state_machine"
    ),
    "warmup_state_machine_arn": Source(
        "PM_WARMUP_STATE_MACHINE_ARN", "WarmupStateMachineArn", "state_machine"
    ),
    "warmup_day_seconds": Source("PM_WARMUP_DAY_SECONDS", default="86400", parse="int"),
    "warmup_settle_seconds": Source("PM_WARMUP_SETTLE_SECONDS", default="0", parse="int"),
    # --- live updates: the WebSocket API (Chalice deploys it after the stack; the deploy
    # hands its id back to the stack, whose outputs then carry both URLs) --------------------
    "websocket_endpoint": Source("PM_WEBSOCKET_ENDPOINT", "WebsocketEndpoint", "parameter"),
    "websocket_url": Source("PM_WEBSOCKET_URL", "WebsocketUrl", "parameter"),
    # a push's read timeout: API Gateway answers in milliseconds; the local platform, whose
    # emulation shares one process with everything else, is given longer
    "websocket_push_timeout": Source("PM_WEBSOCKET_PUSH_TIMEOUT", default="2", parse="float"),
}


QUEUE_OUTPUT_SUFFIX = "Url"
DEAD_LETTER_SUFFIX = "-dlq"


@dataclass(frozen=True)
class QueueRef:
    """One queue of the template, as the code knows it: its name (the template's
    ``QueueName`` after ``penguinmails-{stage}-``) and the setting holding its URL. A queue
    named ``<source>-dlq`` is the dead-letter queue of ``<source>`` (a test holds this to
    the template's ``RedrivePolicy``)."""

    name: str
    setting: str

    @property
    def dead_letter_for(self) -> str | None:
        if self.name.endswith(DEAD_LETTER_SUFFIX):
            return self.name.removesuffix(DEAD_LETTER_SUFFIX)
        return None

    @property
    def is_dead_letter(self) -> bool:
        return self.dead_letter_for is not None


def queue_name(output: str) -> str:
    """``SendBulkDLQUrl`` → ``send-bulk-dlq``; ``InboundQueueUrl`` → ``inbound``."""
    words = _WORDS.findall(output.removesuffix(QUEUE_OUTPUT_SUFFIX))
    if len(words) > 1 and words[-1] == "Queue":
        words = words[:-1]
    return "-".join(w.lower() for w in words)


def queues() -> dict[str, QueueRef]:
    """Every queue (and dead-letter queue) in ``SOURCES``, by name: the queue monitor, the
    health check and the redrive all read this one list."""
    found = {}
    for setting, source in SOURCES.items():
        if source.kind == "queue" and source.output is not None:
            ref = QueueRef(queue_name(source.output), setting)
            found[ref.name] = ref
    return found


def stack_sources() -> dict[str, Source]:
    """The settings filled from stack outputs, by setting name."""
    return {name: s for name, s in SOURCES.items() if s.output is not None}


def env_from_outputs(outputs: Iterable[str]) -> dict[str, str]:
    """Environment variable → stack output name, for a stack with ``outputs`` (the deploy
    passes the template's): every table among them, and every output in ``SOURCES``."""
    tables = {table_env(output): output for output in outputs if is_table(output)}
    return tables | {s.env: s.output for s in stack_sources().values() if s.output is not None}


def environment(outputs: Mapping[str, str]) -> dict[str, str]:
    """The environment a stack's outputs give the code (outputs it does not have are left
    out, so their settings keep their defaults)."""
    return {
        env: outputs[output]
        for env, output in env_from_outputs(outputs).items()
        if output in outputs
    }
