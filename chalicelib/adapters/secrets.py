"""Secrets from Secrets Manager through Powertools Parameters, cached for ``max_age``."""

from __future__ import annotations

from typing import Any


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
