"""Templates: a tenant's stored subjects and bodies with ``{{ variables }}``, checked when
saved and rendered in a narrowed sandbox. Other features may use what is listed here."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.templates.rules.rendering import compile_part, render_message, variables_of
    from chalicelib.templates.rules.templates import Template
    from chalicelib.templates.wiring import store as template_store
else:
    from chalicelib.core.lazy import exports

    __getattr__ = exports(
        __name__,
        {
            "compile_part": "chalicelib.templates.rules.rendering",
            "render_message": "chalicelib.templates.rules.rendering",
            "variables_of": "chalicelib.templates.rules.rendering",
            "Template": "chalicelib.templates.rules.templates",
            "template_store": "chalicelib.templates.wiring:store",
        },
    )

__all__ = ["Template", "compile_part", "render_message", "template_store", "variables_of"]
