"""Templates: a tenant's stored subjects and bodies with ``{{ variables }}``, checked when
saved and rendered in a narrowed sandbox. Other features may use what is listed here."""

from chalicelib.templates.rules.rendering import compile_part, render_message
from chalicelib.templates.rules.templates import Template
from chalicelib.templates.wiring import store as template_store

__all__ = ["Template", "compile_part", "render_message", "template_store"]
