"""Accounts: tenants and their plans, API keys, authentication, the audit log and the
notifications sent to tenants. Other features and the functions use what is listed here."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.accounts.rules.tenants import Tenant
    from chalicelib.accounts.wiring import (
        authenticate,
        deliver_notification,
        notify_tenant,
        record_audit,
        tenants,
    )
else:
    from chalicelib.core.lazy import exports

    __getattr__ = exports(
        __name__,
        {
            "Tenant": "chalicelib.accounts.rules.tenants",
            "authenticate": "chalicelib.accounts.wiring",
            "deliver_notification": "chalicelib.accounts.wiring",
            "notify_tenant": "chalicelib.accounts.wiring",
            "record_audit": "chalicelib.accounts.wiring",
            "tenants": "chalicelib.accounts.wiring",
        },
    )

__all__ = [
    "Tenant",
    "authenticate",
    "deliver_notification",
    "notify_tenant",
    "record_audit",
    "tenants",
]
