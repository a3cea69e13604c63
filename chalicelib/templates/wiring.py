"""Builds the templates feature's adapters lazily (cached, typed, overridable by name)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.aws import clients, dynamodb
from chalicelib.core.clock import system_clock
from chalicelib.core.settings import settings
from chalicelib.core.wiring import provider

if TYPE_CHECKING:
    from chalicelib.templates.ports import TemplateStore
    from chalicelib.templates.service import TemplatePorts


@provider("templates.store")
def store() -> TemplateStore:
    from chalicelib.templates.store import DynamoTemplateRepository

    dynamodb.bind_models()
    return DynamoTemplateRepository(clients.s3(), settings().bucket)


@provider("templates.ports")
def ports() -> TemplatePorts:
    from chalicelib.templates.service import TemplatePorts

    return TemplatePorts(templates=store(), clock=system_clock())
