"""Accounts: tenants and their plans, API keys, authentication, the audit log and the
notifications sent to tenants. Other features and the functions use what is listed here."""

from chalicelib.accounts.rules.tenants import Tenant
from chalicelib.accounts.wiring import authenticate, deliver_notification, record_audit, tenants

__all__ = ["Tenant", "authenticate", "deliver_notification", "record_audit", "tenants"]
