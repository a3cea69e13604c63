"""``LocalPebble``: a clear error without the binary; a running pebble serves its directory
over HTTPS trusted by ``ca_bundle_path`` and its root on the management API; ``stop`` ends
the process group and removes its files."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
import requests
from cryptography import x509

from infrastructure.local.dns_server import LocalDnsServer
from infrastructure.local.pebble import LocalPebble, PebbleUnavailable
from tests.integration.provisioning.conftest import HOST, need_pebble


def test_a_missing_binary_is_pebble_unavailable_saying_how_to_install(tmp_path: Path) -> None:
    pebble = LocalPebble(dns_port=53, binary=str(tmp_path / "no-pebble-here"))
    with pytest.raises(PebbleUnavailable, match="apt-get install pebble"):
        pebble.start()
    assert not pebble.running()


def test_a_running_pebble_and_its_stop(dns_server: LocalDnsServer) -> None:
    need_pebble()
    pebble = LocalPebble(dns_port=dns_server.port, host=HOST)
    pebble.start()
    try:
        folder = Path(pebble.ca_bundle_path).parent
        directory = requests.get(pebble.directory_url, verify=pebble.ca_bundle_path, timeout=5)
        assert {"newAccount", "newOrder", "revokeCert"} <= set(directory.json())
        root = x509.load_pem_x509_certificate(pebble.root_pem().encode())
        assert root.subject == root.issuer  # a self-signed root
        assert pebble.status()["status"] == "ok"
        pid, port = pebble._process.pid, pebble.port  # type: ignore[union-attr]
    finally:
        pebble.stop()
    pebble.stop()  # twice is fine
    assert not folder.exists()
    with pytest.raises(ProcessLookupError):
        os.killpg(pid, 0)  # the whole process group is gone
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((HOST, port), timeout=2).close()
