"""The real ``HostwindsClient`` against the local Hostwinds: idempotent create by label, the
building -> active life of an instance, idempotent delete, reverse DNS into Route 53 (and out
of the local DNS server), step faults and refusals as the state machine must see them."""

from __future__ import annotations

import ipaddress
import smtplib
import socket

import dns.message
import dns.query
import dns.rdatatype
import pytest

from chalicelib.provisioning.errors import ProviderUnavailable, ProvisioningFailed
from chalicelib.provisioning.hostwinds import HostwindsClient
from infrastructure.local.dns_server import LocalDnsServer
from tests.functional.provisioning.conftest import API_KEY, HOSTNAME, user_data, wait_active

NETWORK = ipaddress.ip_network("127.0.1.0/24")


def test_create_twice_orders_one_server_that_becomes_active(vps_client, hostwinds):
    # given / when
    first = vps_client.create("pm-srv_twice", "1", "plan-2gb", user_data())
    again = vps_client.create("pm-srv_twice", "1", "plan-2gb", user_data())

    # then
    assert again.vps_id == first.vps_id
    assert [i["srvrname"] for i in hostwinds.instances()] == ["pm-srv_twice"]
    assert first.state in ("building", "active")
    active = wait_active(vps_client, first.vps_id)
    assert ipaddress.ip_address(active.ip) in NETWORK
    assert active.name == "pm-srv_twice"
    assert len({active.smtp_port, active.imap_port, active.admin_port}) == 3
    assert vps_client.find("pm-srv_twice") == active


def test_a_new_server_answers_smtp_on_its_own_address(vps):
    with smtplib.SMTP(vps.ip, vps.smtp_port) as smtp:
        code, banner = smtp.ehlo()
    assert code == 250
    assert b"STARTTLS" in banner


def test_two_servers_get_two_addresses(vps_client):
    a = wait_active(vps_client, vps_client.create("pm-a", "1", "p", user_data()).vps_id)
    b = wait_active(vps_client, vps_client.create("pm-b", "1", "p", user_data()).vps_id)
    assert a.ip != b.ip


def test_delete_is_idempotent_and_closes_the_server(vps_client, vps, hostwinds):
    vps_client.delete(vps.vps_id)
    vps_client.delete(vps.vps_id)

    assert vps_client.get(vps.vps_id) is None
    assert vps_client.find(vps.name) is None
    assert hostwinds.instances() == []
    with pytest.raises(OSError):
        socket.create_connection((vps.ip, vps.smtp_port), timeout=2).close()


def test_unknown_server_is_none(vps_client):
    assert vps_client.get("999999") is None
    assert vps_client.find("pm-nobody") is None


def test_reverse_dns_writes_a_ptr_the_local_dns_server_answers(vps_client, vps, hostwinds, route53):
    # when
    vps_client.set_reverse_dns(vps.vps_id, vps.ip, HOSTNAME)
    vps_client.set_reverse_dns(vps.vps_id, vps.ip, HOSTNAME)  # UPSERT: same end state

    # then: in Route 53
    assert hostwinds.rdns.lookup(vps.ip) == HOSTNAME
    zones = route53.list_hosted_zones_by_name(DNSName="1.0.127.in-addr.arpa")["HostedZones"]
    assert [z["Name"] for z in zones if z["Name"].startswith("1.0.127")] == [
        "1.0.127.in-addr.arpa."
    ]
    # and through the local DNS server
    server = LocalDnsServer(lambda: route53, port=0, cache_seconds=0.0)
    server.start()
    try:
        name = ipaddress.ip_address(vps.ip).reverse_pointer
        answer = dns.query.udp(dns.message.make_query(name, "PTR"), "127.0.0.1", 5, server.port)
    finally:
        server.stop()
    assert [str(r) for r in answer.find_rrset(answer.answer, dns.name.from_text(name), 1,
                                              dns.rdatatype.PTR)] == [HOSTNAME + "."]  # fmt: skip


def test_delete_removes_the_ptr(vps_client, vps, hostwinds):
    vps_client.set_reverse_dns(vps.vps_id, vps.ip, HOSTNAME)
    vps_client.delete(vps.vps_id)
    assert hostwinds.rdns.lookup(vps.ip) is None


def test_reverse_dns_for_an_address_the_server_does_not_have_is_refused(vps_client, vps):
    with pytest.raises(ProvisioningFailed, match="not assigned"):
        vps_client.set_reverse_dns(vps.vps_id, "127.0.1.250", HOSTNAME)


def test_create_fault_once_is_unavailable_then_one_server(vps_client, faults, hostwinds):
    faults.fail("CreateVps", "once")

    with pytest.raises(ProviderUnavailable):
        vps_client.create("pm-srv_retry", "1", "plan-2gb", user_data())
    retried = vps_client.create("pm-srv_retry", "1", "plan-2gb", user_data())
    vps_client.create("pm-srv_retry", "1", "plan-2gb", user_data())

    assert [i["serviceid"] for i in hostwinds.instances()] == [int(retried.vps_id)]
    assert faults.state()["injected"] == {"CreateVps": 1}


def test_create_fault_always_never_orders(vps_client, faults, hostwinds):
    faults.fail("CreateVps", "always")
    for _ in range(3):
        with pytest.raises(ProviderUnavailable):
            vps_client.create("pm-srv_doomed", "1", "plan-2gb", user_data())
    assert hostwinds.instances() == []
    faults.clear()
    assert vps_client.create("pm-srv_doomed", "1", "plan-2gb", user_data()).vps_id


def test_a_wrong_key_is_refused_without_showing_any_key(hostwinds):
    wrong = "wrong-" + API_KEY
    client = HostwindsClient(hostwinds.base_url, wrong)
    with pytest.raises(ProvisioningFailed) as refused:
        client.find("pm-any")
    assert "Not Authorized" in str(refused.value)
    assert wrong not in str(refused.value) and API_KEY not in str(refused.value)
    assert wrong not in repr(client)


def test_a_bad_order_is_refused_with_the_providers_message(vps_client):
    with pytest.raises(ProvisioningFailed, match="required"):
        vps_client.create("pm-srv_bad", "", "", user_data())


def test_an_unreachable_provider_is_unavailable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = HostwindsClient(f"http://127.0.0.1:{port}", API_KEY, timeout=2.0)
    with pytest.raises(ProviderUnavailable):
        client.get("1001")
