"""Webhook signing secrets in Secrets Manager (as the mailboxes' passwords are): one secret per
endpoint, ``<secrets prefix>/webhook/<tenant id>/<endpoint id>``, holding the current secret
and, for a day after a rotation, the previous one. DynamoDB holds only a version number,
which the sender's cache is keyed by, so a rotation takes effect on the next delivery."""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING

from chalicelib.webhooks.rules.signing import SigningKeys

if TYPE_CHECKING:
    from chalicelib.aws.secrets import SecretStore


class SecretsManagerVault:
    def __init__(self, store: SecretStore, prefix: str) -> None:
        self._store, self._prefix = store, prefix
        self._cache: dict[tuple[str, str, int], SigningKeys] = {}
        self._lock = threading.Lock()

    def _name(self, tenant_id: str, endpoint_id: str) -> str:
        return f"{self._prefix}/webhook/{tenant_id}/{endpoint_id}"

    def put(self, tenant_id: str, endpoint_id: str, keys: SigningKeys) -> None:
        self._store.put(self._name(tenant_id, endpoint_id), json.dumps(keys.to_json()))

    def read(self, tenant_id: str, endpoint_id: str, version: int) -> SigningKeys:
        cached = (tenant_id, endpoint_id, version)
        with self._lock:
            found = self._cache.get(cached)
        if found is None:
            raw = self._store.read(self._name(tenant_id, endpoint_id))
            found = SigningKeys.from_json(json.loads(raw))
            with self._lock:
                self._cache[cached] = found
        return found

    def delete(self, tenant_id: str, endpoint_id: str) -> None:
        self._store.delete(self._name(tenant_id, endpoint_id))
