"""One boto3 session per process, and one client per service built from it (every client
shares the session's loaded SDK data), all lazily on first use."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.core.settings import settings
from chalicelib.core.wiring import provider

if TYPE_CHECKING:
    from boto3.session import Session
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_kinesis import KinesisClient
    from mypy_boto3_route53 import Route53Client
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_sqs import SQSClient


@provider("aws.session")
def session() -> Session:
    import boto3

    return boto3.session.Session(region_name=settings().region)


def _config() -> Any:
    from botocore.config import Config

    return Config(connect_timeout=3, read_timeout=10, retries={"max_attempts": 3})


def _client(service: str) -> Any:
    return session().client(service, endpoint_url=settings().endpoint_url, config=_config())  # type: ignore[call-overload]


@provider("aws.dynamodb")
def dynamodb() -> DynamoDBClient:
    client: DynamoDBClient = _client("dynamodb")
    return client


@provider("aws.s3")
def s3() -> S3Client:
    client: S3Client = _client("s3")
    return client


@provider("aws.sqs")
def sqs() -> SQSClient:
    client: SQSClient = _client("sqs")
    return client


@provider("aws.kinesis")
def kinesis() -> KinesisClient:
    client: KinesisClient = _client("kinesis")
    return client


@provider("aws.secretsmanager")
def secretsmanager() -> SecretsManagerClient:
    client: SecretsManagerClient = _client("secretsmanager")
    return client


@provider("aws.route53")
def route53() -> Route53Client:
    client: Route53Client = _client("route53")
    return client
