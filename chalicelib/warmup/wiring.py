"""Builds the warm-up feature's adapters lazily (cached, typed, overridable by name)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.aws import dynamodb
from chalicelib.core.clock import system_clock
from chalicelib.core.wiring import provider

if TYPE_CHECKING:
    from chalicelib.warmup.ports import Mailboxes, WarmupStore, Workflow
    from chalicelib.warmup.service import WarmupPorts


@provider("warmup.store")
def store() -> WarmupStore:
    from chalicelib.warmup.store import DynamoWarmupRepository

    dynamodb.bind_models()
    return DynamoWarmupRepository()


@provider("warmup.mailboxes")
def mailboxes() -> Mailboxes:
    from chalicelib.warmup.links import MailboxLink

    return MailboxLink()


@provider("warmup.workflow")
def workflow() -> Workflow:
    from chalicelib.warmup.links import PendingWorkflow

    return PendingWorkflow()


@provider("warmup.ports")
def ports() -> WarmupPorts:
    from chalicelib.warmup.service import WarmupPorts

    return WarmupPorts(
        warmups=store(), mailboxes=mailboxes(), workflow=workflow(), clock=system_clock()
    )
