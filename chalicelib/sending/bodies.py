"""Message bodies in S3 under ``tenant/<id>/messages/<body id>.json``: the subject, HTML and
text sources. A batch shares one object (its recipients differ only in their variables, which
the message items carry), so a 500-recipient batch costs one PUT. Reads are cached per
process: a body never changes once written."""

from __future__ import annotations

import json
from typing import Any


class S3MessageBodies:
    def __init__(self, s3: Any, bucket: str, cache_size: int = 256) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._cache: dict[str, dict[str, Any]] = {}
        self._cache_size = cache_size

    @staticmethod
    def key(tenant_id: str, body_id: str) -> str:
        return f"tenant/{tenant_id}/messages/{body_id}.json"

    def put(self, key: str, body: dict[str, Any]) -> None:
        self._s3.put_object(
            Bucket=self._bucket,
            Key=key,
            Body=json.dumps(body).encode("utf-8"),
            ContentType="application/json",
        )

    def get(self, key: str) -> dict[str, Any]:
        cached = self._cache.get(key)
        if cached is None:
            obj = self._s3.get_object(Bucket=self._bucket, Key=key)
            cached = json.loads(obj["Body"].read())
            if len(self._cache) >= self._cache_size:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = cached
        return cached
