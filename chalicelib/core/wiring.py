"""The wiring registry: every adapter, port bundle and client is built by one named, typed,
cached provider, on first use (nothing at import: cold starts stay light).

Each feature declares its providers in its own ``wiring.py``::

    @provider("templates.store")
    def store() -> TemplateStore: ...

and calls them (``store()``) where it needs the adapter. Tests replace any provider by name
(``override("templates.store", fake)``) or through the provider (``store.override(fake)``);
an override clears every cached value, so bundles built from other providers (port
dataclasses) are rebuilt around it and the override always takes effect. ``reset()`` forgets
every built value and override, and runs the reset hooks (the settings cache, the DynamoDB
model binding). An unknown name is an error, never a silent no-op.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar, cast

T = TypeVar("T")
_MISSING = object()
_lock = threading.RLock()
_built: dict[str, Any] = {}
_overrides: dict[str, Any] = {}
_providers: dict[str, Provider[Any]] = {}
_reset_hooks: list[Callable[[], None]] = []


class Provider(Generic[T]):
    """One named dependency: built once, then the same object until ``reset``/``override``."""

    def __init__(self, name: str, build: Callable[[], T]) -> None:
        self.name = name
        self._build = build
        self.__doc__ = build.__doc__

    def __call__(self) -> T:
        found = _overrides.get(self.name, _MISSING)
        if found is not _MISSING:
            return cast(T, found)
        with _lock:
            if self.name not in _built:
                _built[self.name] = self._build()
            return cast(T, _built[self.name])

    def override(self, value: T) -> None:
        override(self.name, value)

    def __repr__(self) -> str:
        return f"Provider({self.name!r})"


def provider(name: str) -> Callable[[Callable[[], T]], Provider[T]]:
    """Register ``build`` under ``name`` (``<feature>.<thing>``); names are unique."""

    def register(build: Callable[[], T]) -> Provider[T]:
        if name in _providers:
            raise ValueError(f"provider {name!r} is declared twice")
        made = Provider(name, build)
        _providers[name] = made
        return made

    return register


def override(name: str, value: object) -> None:
    """Use ``value`` for provider ``name`` until ``reset``; every cached value is dropped so
    bundles that hold the old one are rebuilt."""
    if name not in _providers:
        known = ", ".join(sorted(_providers))
        raise KeyError(f"no provider named {name!r} (known: {known})")
    with _lock:
        _overrides[name] = value
        _built.clear()


def reset() -> None:
    """Forget every built value and override (tests, and the local platform on start)."""
    with _lock:
        _built.clear()
        _overrides.clear()
    for hook in list(_reset_hooks):
        hook()


def on_reset(hook: Callable[[], None]) -> None:
    """Run ``hook`` on every ``reset`` (caches that live outside the registry)."""
    if hook not in _reset_hooks:
        _reset_hooks.append(hook)


def names() -> tuple[str, ...]:
    """Every provider declared so far (a feature's names appear once its wiring is imported)."""
    return tuple(sorted(_providers))


def get(name: str) -> Provider[Any]:
    return _providers[name]
