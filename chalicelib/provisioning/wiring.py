"""Builds the provisioning feature's adapters lazily (cached, typed, overridable by name).

Provider credentials come from Secrets Manager (the Hostwinds API key, the Cloudflare token;
the ACME account key is made and kept there on first use); endpoints from settings, so the
local platform points the same adapters at its local providers and pebble."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from chalicelib.aws import clients, dynamodb, secrets
from chalicelib.core.clock import system_clock
from chalicelib.core.lazy import OnFirstUse
from chalicelib.core.settings import settings
from chalicelib.core.wiring import provider

if TYPE_CHECKING:
    from chalicelib.provisioning.ports import (
        CertificateAuthority,
        DnsProvider,
        HealthChecker,
        MailAdmin,
        ProvisioningPorts,
        ServerStore,
        VpsProvider,
    )
    from chalicelib.provisioning.service import ServerApiPorts, Workflow


@provider("provisioning.store")
def store() -> ServerStore:
    from chalicelib.provisioning.store import DynamoServerRepository

    dynamodb.bind_models()
    return DynamoServerRepository()


@provider("provisioning.vps")
def vps() -> VpsProvider:
    from chalicelib.provisioning.hostwinds import HostwindsClient

    s = settings()
    return cast(
        "VpsProvider",
        OnFirstUse(
            lambda: HostwindsClient(
                s.hostwinds_api_url, secrets.cached().get(s.hostwinds_key_secret)
            )
        ),
    )


@provider("provisioning.mail")
def mail() -> MailAdmin:
    from chalicelib.provisioning.mailu import MailuClient

    return MailuClient(verify=settings().tls_trust_bundle or True)


@provider("provisioning.route53")
def route53_dns() -> DnsProvider:
    from chalicelib.provisioning.dns_providers import Route53Dns

    return Route53Dns(clients.route53())


@provider("provisioning.cloudflare")
def cloudflare_dns() -> DnsProvider:
    from chalicelib.provisioning.dns_providers import CloudflareDns

    s = settings()
    return cast(
        "DnsProvider",
        OnFirstUse(
            lambda: CloudflareDns(
                s.cloudflare_api_url, secrets.cached().get(s.cloudflare_token_secret)
            )
        ),
    )


def dns(provider_name: str) -> DnsProvider:
    return route53_dns() if provider_name == "route53" else cloudflare_dns()


@provider("provisioning.ca")
def ca() -> CertificateAuthority:
    from chalicelib.provisioning.acme_ca import AcmeCertificateAuthority, SecretAccountKey
    from chalicelib.provisioning.dns_providers import dns_visible

    s = settings()
    return AcmeCertificateAuthority(
        s.acme_directory_url,
        s.acme_contact,
        SecretAccountKey(secrets.writer(), f"{s.secrets_prefix}/acme/account-key"),
        ca_bundle=s.acme_ca_bundle,
        visible=dns_visible(s.dns_nameserver or None, s.dns_port, s.dns_timeout),
    )


@provider("provisioning.health")
def health() -> HealthChecker:
    from chalicelib.provisioning.health_check import ServerHealth

    s = settings()
    return ServerHealth(s.dns_nameserver or None, s.dns_port, s.tls_trust_bundle)


@provider("provisioning.ports")
def ports() -> ProvisioningPorts:
    from chalicelib.provisioning.platform_link import PlatformLink
    from chalicelib.provisioning.ports import ProvisioningPorts

    s = settings()
    return ProvisioningPorts(
        servers=store(),
        vps=vps(),
        mail=mail(),
        dns=dns,
        ca=ca,
        secrets=secrets.writer(),
        health=health(),
        platform=PlatformLink(),
        clock=system_clock(),
        secrets_prefix=s.secrets_prefix,
        mail_admin_scheme=s.mail_admin_scheme,
    )


@provider("provisioning.workflow")
def workflow() -> Workflow:
    from chalicelib.provisioning.workflow import StepFunctionsWorkflow

    s = settings()
    return StepFunctionsWorkflow(
        clients.stepfunctions(),
        {
            "provision": s.provision_state_machine_arn,
            "decommission": s.decommission_state_machine_arn,
        },
    )


@provider("provisioning.api_ports")
def api_ports() -> ServerApiPorts:
    from chalicelib.domains import normalise_domain
    from chalicelib.provisioning.platform_link import PlatformLink
    from chalicelib.provisioning.service import ServerApiPorts

    return ServerApiPorts(
        servers=store(),
        workflow=workflow(),
        platform=PlatformLink(),
        clock=system_clock(),
        normalise_domain=normalise_domain,
    )
