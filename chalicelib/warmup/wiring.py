"""Builds the warm-up feature's adapters lazily (cached, typed, overridable by name)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.aws import clients, dynamodb
from chalicelib.core.clock import system_clock
from chalicelib.core.settings import settings
from chalicelib.core.wiring import provider

if TYPE_CHECKING:
    from chalicelib.warmup.day import DayPorts
    from chalicelib.warmup.ports import (
        Mailboxes,
        PoolStore,
        WarmupSender,
        WarmupStore,
        Workflow,
    )
    from chalicelib.warmup.service import WarmupPorts


@provider("warmup.store")
def store() -> WarmupStore:
    from chalicelib.warmup.store import DynamoWarmupRepository

    dynamodb.bind_models()
    return DynamoWarmupRepository()


@provider("warmup.pool")
def pool() -> PoolStore:
    from chalicelib.warmup.store import DynamoPoolDirectory

    dynamodb.bind_models()
    return DynamoPoolDirectory()


@provider("warmup.mailboxes")
def mailboxes() -> Mailboxes:
    from chalicelib.warmup.links import MailboxLink

    return MailboxLink()


@provider("warmup.sender")
def sender() -> WarmupSender:
    from chalicelib.warmup.links import SendPathSender

    return SendPathSender()


@provider("warmup.workflow")
def workflow() -> Workflow:
    from chalicelib.warmup.workflow import StepFunctionsWorkflow

    return StepFunctionsWorkflow(clients.stepfunctions(), settings().warmup_state_machine_arn)


@provider("warmup.ports")
def ports() -> WarmupPorts:
    from chalicelib.warmup.service import WarmupPorts

    return WarmupPorts(
        warmups=store(),
        mailboxes=mailboxes(),
        workflow=workflow(),
        clock=system_clock(),
        pool=pool(),
        sender=sender(),
    )


@provider("warmup.day_ports")
def day_ports() -> DayPorts:
    from chalicelib.warmup.day import DayPorts

    return DayPorts(
        warmups=store(),
        pool=pool(),
        mailboxes=mailboxes(),
        sender=sender(),
        clock=system_clock(),
        day_seconds=settings().warmup_day_seconds,
        settle_seconds=settings().warmup_settle_seconds,
    )


def start_warmup(tenant_id: str, mailbox_id: str, plan: str, pool: bool = True) -> str:
    """For the platform (provisioning's new mailboxes): start the mailbox's warm-up on
    ``plan``: ``started``, or ``already_warming`` when it runs (its run's execution is
    started again: a no-op while it runs). 404/409 as ``POST .../warmup`` otherwise."""
    from chalicelib.core.errors import Conflict
    from chalicelib.core.tenancy import system_context
    from chalicelib.warmup.records import RUNNING
    from chalicelib.warmup.service import start

    the_ports = ports()
    try:
        start(the_ports, system_context(tenant_id, actor="warmup"), mailbox_id, plan, pool)
    except Conflict:
        existing = the_ports.warmups.get(tenant_id, mailbox_id)
        if existing is None or existing.status not in RUNNING:
            raise
        if existing.status == "warming":
            the_ports.workflow.start(existing)
        return "already_warming"
    return "started"


def run_task(name: str, event: dict[str, Any]) -> dict[str, Any]:
    """The entry of ``functions.warmup``'s handlers: the day's task ``name`` (``day.TASKS``)
    on the wired ports."""
    from chalicelib.warmup.day import TASKS

    return TASKS[name](day_ports(), event)
