"""The imports use cases, written against the ports: creating and starting import jobs
(``jobs``), the worker's steps (``processing``: parse a file, import a chunk, finish), and
the tenant export (``export``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from chalicelib.core.clock import Clock
    from chalicelib.imports.ports import (
        ContactWriter,
        ExportJobs,
        Files,
        ImportJobs,
        TenantRecords,
        WorkQueue,
    )


@dataclass
class ImportPorts:
    contacts: ContactWriter
    jobs: ImportJobs
    exports: ExportJobs
    files: Files
    queue: WorkQueue
    clock: Clock
    sources: Callable[[], dict[str, TenantRecords]]  # what a tenant export gathers, by kind
