"""Imports: CSV bulk import jobs (upload or inline, parsed and imported in chunks by the
``contact-imports`` worker, with a report of the rejected rows) and the tenant export (a
ZIP of everything the tenant owns). Other features may use what is listed here."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.imports.registry import register_export_source
    from chalicelib.imports.rules.report import neutralise
    from chalicelib.imports.service.worker import handle as handle_job
    from chalicelib.imports.wiring import ports as import_ports
else:
    from chalicelib.core.lazy import exports

    __getattr__ = exports(
        __name__,
        {
            "register_export_source": "chalicelib.imports.registry",
            "neutralise": "chalicelib.imports.rules.report",
            "handle_job": "chalicelib.imports.service.worker:handle",
            "import_ports": "chalicelib.imports.wiring:ports",
        },
    )

__all__ = ["handle_job", "import_ports", "neutralise", "register_export_source"]
