"""Builds the warm-up feature's adapters lazily (cached, typed, overridable by name)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.aws import dynamodb
from chalicelib.core.wiring import provider

if TYPE_CHECKING:
    from chalicelib.warmup.ports import WarmupStore


@provider("warmup.store")
def store() -> WarmupStore:
    from chalicelib.warmup.store import DynamoWarmupRepository

    dynamodb.bind_models()
    return DynamoWarmupRepository()
