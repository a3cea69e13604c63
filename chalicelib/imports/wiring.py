"""Builds the imports feature's adapters lazily (cached, typed, overridable by name)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.aws import clients
from chalicelib.core.clock import system_clock
from chalicelib.core.settings import settings
from chalicelib.core.wiring import provider

if TYPE_CHECKING:
    from chalicelib.imports.ports import (
        ContactWriter,
        ExportJobs,
        Files,
        ImportJobs,
        TenantDirectory,
        TenantRecords,
        WorkQueue,
    )
    from chalicelib.imports.service import ImportPorts


@provider("imports.contacts")
def contacts() -> ContactWriter:
    from chalicelib.imports.neighbours import DirectoryWriter

    return DirectoryWriter()


@provider("imports.directory")
def directory() -> TenantDirectory:
    from chalicelib import contacts

    return contacts.listing()


@provider("imports.jobs")
def jobs() -> ImportJobs:
    from chalicelib.imports.store import JOBS, DynamoImportJobs

    return DynamoImportJobs(JOBS.bind())


@provider("imports.exports")
def exports() -> ExportJobs:
    from chalicelib.imports.export_store import DynamoExportJobs
    from chalicelib.imports.store import JOBS

    return DynamoExportJobs(JOBS.bind())


@provider("imports.presigner")
def presigner() -> Any:
    """An S3 client for presigned URLs alone: Signature V4 (botocore would presign V2 in
    us-east-1), path-style when the endpoint is the local emulator's address."""
    from botocore.config import Config

    config = Config(
        signature_version="s3v4",
        s3={"addressing_style": "path" if settings().endpoint_url else "auto"},
    )
    return clients.session().client("s3", endpoint_url=settings().endpoint_url, config=config)


@provider("imports.files")
def files() -> Files:
    from chalicelib.imports.bucket import S3Files

    return S3Files(clients.s3(), settings().bucket, presigner)


@provider("imports.queue")
def queue() -> WorkQueue:
    from chalicelib.imports.work_queue import SqsWorkQueue

    return SqsWorkQueue(clients.sqs(), settings().contact_imports_queue_url)


def export_sources() -> dict[str, TenantRecords]:
    """Every kind a tenant export writes: the built-in ones, then the registered ones."""
    from chalicelib.imports import neighbours
    from chalicelib.imports.registry import registered

    found = directory()
    built_in: dict[str, TenantRecords] = {
        "contacts": found.contacts,
        "lists": found.lists,
        "templates": neighbours.templates,
        "suppressions": neighbours.suppressions,
        "imports": neighbours.import_jobs(jobs()),
    }
    return {**built_in, **registered()}


@provider("imports.ports")
def ports() -> ImportPorts:
    from chalicelib.imports.service import ImportPorts

    return ImportPorts(
        contacts=contacts(),
        jobs=jobs(),
        exports=exports(),
        files=files(),
        queue=queue(),
        clock=system_clock(),
        sources=export_sources,
    )
