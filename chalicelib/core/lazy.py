"""Load on first use, not at import: a feature's public surface (a package lists the names it
offers and where each lives; importing the package loads none of them, PEP 562) and the
modules a route needs only when it runs (``module``), and objects built on first use
(``OnFirstUse``). A Lambda that answers one route or runs
one worker never pays for the rest of the code at its cold start."""

from __future__ import annotations

import importlib
import sys
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping


def exports(package: str, names: Mapping[str, str]) -> Callable[[str], object]:
    """The ``__getattr__`` of ``package``: ``names`` maps each public name to
    ``"module"`` or ``"module:attribute"``; a loaded name is kept on the package."""

    def __getattr__(name: str) -> object:
        where = names.get(name)
        if where is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, _, attribute = where.partition(":")
        value = getattr(importlib.import_module(module), attribute or name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__


class _Deferred:
    """Stands in for a module and imports it when first asked for an attribute."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> object:
        return getattr(importlib.import_module(self._name), attribute)

    def __repr__(self) -> str:
        return f"<deferred module {self._name!r}>"


def module(name: str) -> Any:
    """Module ``name``, imported on first use rather than now.

    A route module uses it for its service and wiring: Chalice needs every route declared
    when ``app`` is imported, but a cold start that answers one route should load only that
    route's feature. Declare the real import under ``if TYPE_CHECKING:`` beside it, so the
    type checker sees the module::

        if TYPE_CHECKING:
            from chalicelib.domains import service
        else:
            service = lazy.module("chalicelib.domains.service")
    """
    return _Deferred(name)


class OnFirstUse:
    """Stands in for an object that ``build`` makes when it is first asked for anything
    (once, under a lock): a client, or an adapter whose credentials are read then."""

    __slots__ = ("_build", "_built", "_lock")

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = build
        self._built: Any = None
        self._lock = threading.Lock()

    def built(self) -> Any:
        if self._built is None:
            with self._lock:
                if self._built is None:
                    self._built = self._build()
        return self._built

    def __getattr__(self, name: str) -> Any:
        return getattr(self.built(), name)
