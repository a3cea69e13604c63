"""Rendering tenant templates safely: Jinja2's sandbox with strict undefined variables.

Tenant input is untrusted, so templates run in ``SandboxedEnvironment`` (no attribute
tricks, no imports, no function or method calls, a short list of filters, bounded ``*``
and ``**``), loops and macros are refused, HTML bodies are auto-escaped, and an undefined
variable is an error at request time (422 naming it), never a broken email. A value with
``| default("…")`` may be left out. A rendered subject may not contain CR or LF.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from chalicelib.core.errors import UnprocessableEntity

MAX_OUTPUT = 2_000_000


MAX_REPEAT = 10_000
# Filters whose output is bounded by their input; ``center``, ``indent``, ``replace``,
# ``format`` and the like are left out because a tenant could make them allocate gigabytes.
SAFE_FILTERS = frozenset(
    {
        "default",
        "d",
        "upper",
        "lower",
        "title",
        "capitalize",
        "trim",
        "striptags",
        "escape",
        "e",
        "first",
        "last",
        "length",
        "count",
        "int",
        "float",
        "round",
        "truncate",
        "urlencode",
        "abs",
        "string",
    }
)
MAX_EXPONENT = 64


def _bounded_binop(env: Any, context: Any, operator: str, left: Any, right: Any) -> Any:
    """``*`` and ``**`` with bounds, so ``'a' * 10**9`` cannot exhaust memory."""
    from jinja2.sandbox import SecurityError

    if operator == "%" and isinstance(left, str):
        raise SecurityError("%-formatting is not allowed")
    if operator == "**" and isinstance(right, int | float) and abs(right) > MAX_EXPONENT:
        raise SecurityError("exponent too large")
    if operator == "*" and any(isinstance(x, str | list | tuple) for x in (left, right)):
        count = right if isinstance(right, int) else left
        if isinstance(count, int) and count > MAX_REPEAT:
            raise SecurityError("repetition too large")
    return env.binop_table[operator](left, right)


@lru_cache(maxsize=2)
def _environment(html: bool) -> Any:
    from jinja2 import StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class BoundedEnvironment(ImmutableSandboxedEnvironment):
        intercepted_binops = frozenset(["*", "**", "%"])

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            return _bounded_binop(self, context, operator, left, right)

        def call(self, context: Any, obj: Any, *args: Any, **kwargs: Any) -> Any:
            from jinja2.sandbox import SecurityError

            raise SecurityError("calling functions or methods is not allowed")

    environment = BoundedEnvironment(
        undefined=StrictUndefined, autoescape=html, keep_trailing_newline=True
    )
    environment.globals = {}
    environment.filters = {k: v for k, v in environment.filters.items() if k in SAFE_FILTERS}
    return environment


class _Static:
    """A part with no template syntax renders to itself; Jinja is skipped entirely."""

    def __init__(self, source: str) -> None:
        self.source = source

    def render(self, *args: Any, **kwargs: Any) -> str:
        return self.source


def compile_part(field: str, source: str, html: bool = False) -> Any:
    """The compiled template, or a 422 naming the field and line of a syntax error.

    Compiled templates are cached per process: a batch or a campaign renders the same
    source for every recipient, and compiling costs far more than rendering."""
    if "{" not in source:
        return _Static(source)
    return _compiled(field, source, html)


@lru_cache(maxsize=256)
def _compiled(field: str, source: str, html: bool) -> Any:
    from jinja2 import TemplateSyntaxError

    environment = _environment(html)
    try:
        _refuse_loops(field, environment.parse(source))
        return environment.from_string(source)
    except TemplateSyntaxError as exc:
        raise UnprocessableEntity(
            f"{field}: template syntax error on line {exc.lineno}: {exc.message}",
            {"field": field, "line": exc.lineno},
        ) from exc


def _refuse_loops(field: str, tree: Any) -> None:
    """Loops, macros and includes are refused: variables, filters and ``if`` are enough
    for an email, and a loop is the one way a tenant could make rendering run for ever."""
    from jinja2 import nodes

    banned = (
        nodes.For,
        nodes.Macro,
        nodes.CallBlock,
        nodes.Include,
        nodes.Import,
        nodes.FromImport,
        nodes.Extends,
    )
    found = next(iter(tree.find_all(banned)), None)
    if found is not None:
        raise UnprocessableEntity(
            f"{field}: {type(found).__name__.lower()} blocks are not "
            "allowed in templates (use variables, filters and if)",
            {"field": field, "line": found.lineno},
        )


def variables_of(source: str, html: bool = False) -> set[str]:
    from jinja2 import meta

    return set(meta.find_undeclared_variables(_environment(html).parse(source)))


def render_part(field: str, source: str, variables: dict[str, Any], html: bool = False) -> str:
    from jinja2 import TemplateError, UndefinedError
    from jinja2.sandbox import SecurityError

    template = compile_part(field, source, html)
    try:
        output = template.render(**variables)
    except UndefinedError as exc:
        raise UnprocessableEntity(
            f"{field}: {exc.message}; pass it in variables or give it a default",
            {"field": field, "variables": sorted(variables_of(source, html) - set(variables))},
        ) from exc
    except SecurityError as exc:
        raise UnprocessableEntity(
            f"{field}: not allowed in a template: {exc}", {"field": field}
        ) from exc
    except (TemplateError, TypeError, ValueError, ArithmeticError, OverflowError) as exc:
        raise UnprocessableEntity(
            f"{field}: the template failed to render: {exc}", {"field": field}
        ) from exc
    if len(output) > MAX_OUTPUT:
        raise UnprocessableEntity(
            f"{field}: rendered output is over {MAX_OUTPUT} characters", {"field": field}
        )
    return output


def render_message(
    subject: str, html: str | None, text: str | None, variables: dict[str, Any]
) -> dict[str, str | None]:
    rendered_subject = render_part("subject", subject, variables)
    if "\r" in rendered_subject or "\n" in rendered_subject:
        raise UnprocessableEntity(
            "subject: the rendered subject contains a line break", {"field": "subject"}
        )
    return {
        "subject": rendered_subject,
        "html": render_part("html", html, variables, html=True) if html is not None else None,
        "text": render_part("text", text, variables) if text is not None else None,
    }
