"""One boto3 session per process, and one client per service built from it (every client
shares the session's loaded SDK data), all lazily on first use.

"First use" means the first request, not the first adapter that holds the client: a client
provider hands out a stand-in that builds the real client (and imports boto3, and loads the
service's model: 15-20 ms each on a cold start) when an attribute of it is first read. A
port bundle can then hold every adapter it may need while a cold start pays only for the
services the invocation really calls: the API's ``GET /v1/tenant`` builds the DynamoDB
client alone, though its bundle also holds the SQS queue and the Kinesis stream.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.core.lazy import OnFirstUse
from chalicelib.core.settings import settings
from chalicelib.core.wiring import provider

if TYPE_CHECKING:
    from collections.abc import Callable

    from boto3.session import Session
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_kinesis import KinesisClient
    from mypy_boto3_route53 import Route53Client
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_sqs import SQSClient


@provider("aws.session", base=True)
def session() -> Session:
    import boto3

    return boto3.session.Session(region_name=settings().region)


def _config() -> Any:
    from botocore.config import Config

    return Config(connect_timeout=3, read_timeout=10, retries={"max_attempts": 3})


def _quick_config() -> Any:
    """For a best-effort call on a recipient's request: an answer within about a second,
    or an error the caller swallows (the shared config may wait 40 s)."""
    from botocore.config import Config

    return Config(
        connect_timeout=0.5, read_timeout=0.5, retries={"mode": "standard", "total_max_attempts": 2}
    )


class _OnFirstUse(OnFirstUse):
    """Stands in for the client of ``service``; builds it when first asked for anything."""

    __slots__ = ("_service",)

    def __init__(self, service: str, config: Callable[[], Any] = _config) -> None:
        super().__init__(
            lambda: session().client(  # type: ignore[call-overload]
                service, endpoint_url=settings().endpoint_url, config=config()
            )
        )
        self._service = service

    def __repr__(self) -> str:
        state = "built" if self._built is not None else "not built yet"
        return f"<{self._service} client, {state}>"


def _client(service: str, config: Callable[[], Any] = _config) -> Any:
    return _OnFirstUse(service, config)


@provider("aws.dynamodb", base=True)
def dynamodb() -> DynamoDBClient:
    client: DynamoDBClient = _client("dynamodb")
    return client


@provider("aws.dynamodb_quick", base=True)
def dynamodb_quick() -> DynamoDBClient:
    """DynamoDB for the public hit path's best-effort store (the tracking routes' recent
    clicks): short timeouts and one retry, so a slow table never holds a redirect."""
    client: DynamoDBClient = _client("dynamodb", _quick_config)
    return client


@provider("aws.s3", base=True)
def s3() -> S3Client:
    client: S3Client = _client("s3")
    return client


@provider("aws.sqs", base=True)
def sqs() -> SQSClient:
    client: SQSClient = _client("sqs")
    return client


@provider("aws.kinesis", base=True)
def kinesis() -> KinesisClient:
    client: KinesisClient = _client("kinesis")
    return client


@provider("aws.secretsmanager", base=True)
def secretsmanager() -> SecretsManagerClient:
    client: SecretsManagerClient = _client("secretsmanager")
    return client


@provider("aws.route53", base=True)
def route53() -> Route53Client:
    client: Route53Client = _client("route53")
    return client


@provider("aws.stepfunctions", base=True)
def stepfunctions() -> Any:
    return _client("stepfunctions")
