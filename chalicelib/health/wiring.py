"""Builds the health feature's adapters lazily (cached, typed, overridable by name)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.accounts import notify_tenant
from chalicelib.core.clock import system_clock
from chalicelib.core.settings import settings
from chalicelib.core.wiring import provider

if TYPE_CHECKING:
    from chalicelib.health.ports import (
        Actions,
        AlertStore,
        AnalyticsReads,
        Blacklists,
        Facts,
    )
    from chalicelib.health.service import HealthPorts


@provider("health.reads")
def reads() -> AnalyticsReads:
    """The day counts by scope (the analytics feature's ``analytics.reads``)."""
    from chalicelib import analytics

    return analytics.reads()


@provider("health.alerts")
def alerts() -> AlertStore:
    from chalicelib.health.store import ALERTS, DynamoAlertStore

    return DynamoAlertStore(ALERTS.bind())


@provider("health.facts")
def facts() -> Facts:
    from chalicelib.health.adapters import PlatformFacts

    return PlatformFacts()


@provider("health.actions")
def actions() -> Actions:
    from chalicelib.health.adapters import PlatformActions

    return PlatformActions()


@provider("health.blacklists")
def blacklists() -> Blacklists:
    from chalicelib.health.dnsbl import DnsblChecker

    s = settings()
    zones = s.dnsbl_zones.split(",") if s.dnsbl_zones else []
    return DnsblChecker(zones, s.dns_nameserver or None, s.dns_port, s.dns_timeout)


def _notify_best_effort(tenant_id: str, kind: str, facts: dict[str, str]) -> None:
    """An alert's notice must never undo or repeat the alert: it is stored and acted on."""
    from chalicelib.aws import powertools

    try:
        notify_tenant(tenant_id, kind, facts)
    except Exception:  # noqa: BLE001 - logged and counted; the alert and its event stand
        powertools.logger().exception("AlertNoticeFailures", extra={"kind": kind})
        powertools.count("AlertNoticeFailures", 1)


@provider("health.ports")
def ports() -> HealthPorts:
    from chalicelib.health.service import HealthPorts

    return HealthPorts(
        reads=reads(),
        alerts=alerts(),
        facts=facts(),
        actions=actions(),
        blacklists=blacklists(),
        notify=_notify_best_effort,
        clock=system_clock(),
    )


def run_monitor(tenant_id: str | None = None) -> dict[str, int]:
    """One health-monitor run over every tenant, or one (``functions/health_monitor``)."""
    from chalicelib.health.view import monitor

    return monitor(ports(), tenant_id)
