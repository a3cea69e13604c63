"""The local providers with the real adapters pointed at them: a main local mail server, the
emulator's Route 53 (moto in-process) and a local Hostwinds whose servers boot at once."""

from __future__ import annotations

import secrets
import time

import boto3
import pytest
from moto import mock_aws

from chalicelib.provisioning.hostwinds import HostwindsClient
from chalicelib.provisioning.mailu import MailuClient
from chalicelib.provisioning.ports import MailServer, Vps
from infrastructure.local.providers.faults import StepFaults
from infrastructure.local.providers.hostwinds import LocalHostwinds
from infrastructure.local.smtp_server import LocalSmtpServer

API_KEY = "hw-" + secrets.token_urlsafe(16)
MAILU_TOKEN = "mailu-" + secrets.token_urlsafe(16)
DOMAIN = "acme-agency.test"
HOSTNAME = f"mail.{DOMAIN}"
POLLS = 2000  # a bound so a broken boot fails the test instead of hanging it
POLL_SECONDS = 0.01


def user_data(token: str = MAILU_TOKEN) -> str:
    return (
        "#cloud-config\n"
        "package_update: true\n"
        "write_files:\n"
        "  - path: /mailu/mailu.env\n"
        "    permissions: '0600'\n"
        "    content: |\n"
        f"      DOMAIN={DOMAIN}\n"
        f"      HOSTNAMES={HOSTNAME}\n"
        f"      API_TOKEN={token}\n"
        "      TLS_FLAVOR=cert\n"
        "runcmd:\n"
        "  - [docker, compose, -f, /mailu/docker-compose.yml, up, -d]\n"
    )


@pytest.fixture
def route53():
    with mock_aws():
        yield boto3.client("route53", region_name="us-east-1")


@pytest.fixture
def main_smtp():
    with LocalSmtpServer("127.0.0.1", 0) as server:
        yield server


@pytest.fixture
def faults():
    return StepFaults()


@pytest.fixture
def hostwinds(main_smtp, route53, faults):
    provider = LocalHostwinds(
        api_key=API_KEY,
        mail_server=main_smtp,
        route53_client=route53,
        faults=faults,
        boot_seconds=0.05,
    )
    provider.start()
    yield provider
    provider.stop()


@pytest.fixture
def vps_client(hostwinds):
    return HostwindsClient(hostwinds.base_url, API_KEY, timeout=5.0)


def wait_active(client: HostwindsClient, vps_id: str) -> Vps:
    for _ in range(POLLS):
        vps = client.get(vps_id)
        assert vps is not None
        if vps.state == "active":
            return vps
        time.sleep(POLL_SECONDS)
    raise AssertionError(f"{vps_id} never became active")


@pytest.fixture
def vps(vps_client) -> Vps:
    created = vps_client.create(f"pm-srv_{secrets.token_hex(4)}", "1", "plan-2gb", user_data())
    return wait_active(vps_client, created.vps_id)


@pytest.fixture
def mail_server(vps) -> MailServer:
    return MailServer(f"http://{vps.ip}:{vps.admin_port}/api/v1", MAILU_TOKEN)


@pytest.fixture
def mailu() -> MailuClient:
    return MailuClient(timeout=5.0)
