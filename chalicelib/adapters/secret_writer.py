"""Writing secrets (DKIM private keys, mailbox passwords) to Secrets Manager.

Values are never logged and never stored anywhere else; DynamoDB holds only the names.
"""

from __future__ import annotations

from typing import Any


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
