"""Secrets in Secrets Manager: read through Powertools Parameters with a cache (``max_age``),
written (DKIM private keys, mailbox passwords) with create-or-update. Values are never logged
and never stored anywhere else; DynamoDB holds only the names."""

from __future__ import annotations

from typing import Any, Protocol

from chalicelib.aws import clients
from chalicelib.core.settings import settings
from chalicelib.core.wiring import provider


class SecretReader(Protocol):
    def get(self, name: str) -> str: ...


class SecretStore(Protocol):
    """Read, write and delete named secrets (no cache: a value just written reads back)."""

    def put(self, name: str, value: str) -> None: ...

    def read(self, name: str) -> str: ...

    def delete(self, name: str) -> None: ...


class CachedSecrets:
    def __init__(self, client: Any, max_age: int) -> None:
        from aws_lambda_powertools.utilities.parameters import SecretsProvider

        self._provider = SecretsProvider(boto3_client=client)
        self._max_age = max_age

    def get(self, name: str) -> str:
        value = self._provider.get(name, max_age=self._max_age)
        return value.decode("utf-8") if isinstance(value, bytes) else str(value)

    def forget(self) -> None:
        self._provider.clear_cache()


class SecretWriter:
    def __init__(self, client: Any) -> None:
        self._client = client

    def put(self, name: str, value: str) -> None:
        try:
            self._client.create_secret(Name=name, SecretString=value)
        except self._client.exceptions.ResourceExistsException:
            self._client.put_secret_value(SecretId=name, SecretString=value)

    def read(self, name: str) -> str:
        return self._client.get_secret_value(SecretId=name)["SecretString"]

    def delete(self, name: str) -> None:
        try:
            self._client.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
        except self._client.exceptions.ResourceNotFoundException:
            return


@provider("aws.secrets")
def cached() -> CachedSecrets:
    """Secret values for reading, cached for ``secrets_max_age`` seconds."""
    return CachedSecrets(clients.secretsmanager(), settings().secrets_max_age)


@provider("aws.secret_store")
def writer() -> SecretWriter:
    """Secrets to create, update, read back and delete."""
    return SecretWriter(clients.secretsmanager())
