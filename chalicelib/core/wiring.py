"""The wiring registry: every adapter, port bundle and client is built by one named, typed,
cached provider, on first use (nothing at import: cold starts stay light).

Each feature declares its providers in its own ``wiring.py``::

    @provider("templates.store")
    def store() -> TemplateStore: ...

and calls them (``store()``) where it needs the adapter. Tests replace any provider by name
(``override("templates.store", fake)``) or through the provider (``store.override(fake)``);
an override clears every cached value, so bundles built from other providers (port
dataclasses) are rebuilt around it and the override always takes effect. Base providers
(``provider(name, base=True)``: the boto3 session and clients, which depend on nothing but
settings) survive an override of any other name, so an adapter built before it and one built
after share the same client; overriding a base provider clears everything. ``reset()`` forgets
every built value and override, and runs the reset hooks (the settings cache, the DynamoDB
model binding). An unknown name is an error, never a silent no-op.

A name's first part says where it is declared: ``chalicelib.<part>.wiring`` (``aws`` keeps
its own in ``chalicelib.aws.wiring``, ``core`` its clock in ``chalicelib.core.clock``). A
lookup by name loads that module when nothing has yet, so ``override("sending.messages", …)``
works before any sending code ran; feature packages load their wiring only on first use.
"""

from __future__ import annotations

import importlib
import threading
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

if TYPE_CHECKING:
    from collections.abc import Callable

T = TypeVar("T")
_MISSING = object()
_lock = threading.RLock()
_built: dict[str, Any] = {}
_overrides: dict[str, Any] = {}
_providers: dict[str, Provider[Any]] = {}
_base: set[str] = set()
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
            return cast("T", found)
        with _lock:
            if self.name not in _built:
                _built[self.name] = self._build()
            return cast("T", _built[self.name])

    def override(self, value: T) -> None:
        override(self.name, value)

    def __repr__(self) -> str:
        return f"Provider({self.name!r})"


def provider(name: str, base: bool = False) -> Callable[[Callable[[], T]], Provider[T]]:
    """Register ``build`` under ``name`` (``<feature>.<thing>``); names are unique. ``base``:
    built from settings alone, so kept when another provider is overridden."""

    def register(build: Callable[[], T]) -> Provider[T]:
        if name in _providers:
            raise ValueError(f"provider {name!r} is declared twice")
        made = Provider(name, build)
        _providers[name] = made
        if base:
            _base.add(name)
        return made

    return register


_DECLARED_IN = {"core": "chalicelib.core.clock", "aws": "chalicelib.aws.wiring"}


def _declared(name: str) -> Provider[Any]:
    """The provider ``name``, loading the module that declares it if need be."""
    if name not in _providers:
        package = name.partition(".")[0]
        module = _DECLARED_IN.get(package, f"chalicelib.{package}.wiring")
        try:
            importlib.import_module(module)
        except ModuleNotFoundError:
            pass
    if name not in _providers:
        known = ", ".join(sorted(_providers))
        raise KeyError(f"no provider named {name!r} (known: {known})")
    return _providers[name]


def override(name: str, value: object) -> None:
    """Use ``value`` for provider ``name`` until ``reset``; every cached value (but the base
    providers', unless ``name`` is one) is dropped so bundles that hold the old one are
    rebuilt."""
    _declared(name)
    with _lock:
        _overrides[name] = value
        keep = () if name in _base else _base
        for built in [n for n in _built if n not in keep]:
            del _built[built]


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
    return _declared(name)
