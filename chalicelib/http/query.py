"""Reading a list route's filters from the query string: only the route's own names, each
value bounded, and a value from a fixed set checked against it; a bad one is a 400 naming
the parameter."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.core.errors import BadRequest

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence


def list_filters(
    query: Mapping[str, str], allowed: Mapping[str, Sequence[str] | None], max_length: int
) -> dict[str, str]:
    """The non-empty filters of ``allowed`` in ``query``; ``allowed`` maps a parameter to its
    possible values (None: free text of at most ``max_length`` characters)."""
    found = {name: query[name] for name in allowed if query.get(name)}
    for name, value in found.items():
        choices = allowed[name]
        if choices is not None and value not in choices:
            raise BadRequest(f"{name} must be one of {', '.join(choices)}", {"field": name})
        if len(value) > max_length:
            raise BadRequest(f"{name} is at most {max_length} characters", {"field": name})
    return found
