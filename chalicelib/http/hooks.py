"""What the pipeline asks of the accounts feature, handed in by ``app.py``: who is calling
(authentication) and the audit record of a successful mutation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from chalicelib.core.tenancy import RequestContext


class Authenticator(Protocol):
    """Asked for every route but the public ones (those get a context without a caller)."""

    def __call__(
        self, auth: str, token: str | None, request_id: str, source_ip: str
    ) -> RequestContext: ...


class Auditor(Protocol):
    def __call__(
        self, action: str, ctx: RequestContext, tenant_id: str, resource_id: str | None
    ) -> None: ...


@dataclass
class _Hooks:
    authenticate: Authenticator | None = None
    audit: Auditor | None = None


_hooks = _Hooks()


def configure(authenticate: Authenticator, audit: Auditor) -> None:
    _hooks.authenticate = authenticate
    _hooks.audit = audit


def authenticator() -> Authenticator:
    if _hooks.authenticate is None:
        raise RuntimeError("the HTTP pipeline has no authenticator: app.py configures it")
    return _hooks.authenticate


def auditor() -> Auditor:
    if _hooks.audit is None:
        raise RuntimeError("the HTTP pipeline has no auditor: app.py configures it")
    return _hooks.audit
