"""Let's Encrypt's ``pebble`` (Debian package ``pebble``) as the local platform's ACME server.

``LocalPebble`` runs the binary in its own process group on free loopback ports, validating
DNS-01 challenges through the DNS server on ``dns_port`` (the local DNS server answering from
the emulator's Route 53 zones, or anything in front of it). Pebble serves its ACME API over
HTTPS only: the package ships no certificate, so ``start`` makes a throwaway CA and a
certificate for 127.0.0.1/localhost with ``cryptography``; ``ca_bundle_path`` is that CA
(the trust a client of the directory needs, ``PM_ACME_CA_BUNDLE``). ``root_pem`` is the root
the *issued* certificates chain to, read from pebble's management API (``/roots/0``); pebble
makes a new one each run (``PM_TLS_TRUST_BUNDLE`` for the health check).

Pebble's test-friendly switches are set: no random sleep before validation
(``PEBBLE_VA_NOSLEEP``), no deliberately rejected nonces (``PEBBLE_WFE_NONCEREJECT=0``), no
reuse of valid authorizations (``PEBBLE_AUTHZREUSE=0``: every order is validated for real).
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import requests

START_ATTEMPTS = 200  # x 0.05 s: pebble answers in well under a second
STOP_GRACE = 5.0
PEBBLE_ENV = {"PEBBLE_VA_NOSLEEP": "1", "PEBBLE_WFE_NONCEREJECT": "0", "PEBBLE_AUTHZREUSE": "0"}
INSTALL_HINT = (
    "pebble (Let's Encrypt's test ACME server, the local certificate authority) is not "
    "installed: `apt-get install pebble` on Debian (`make install` does it as root); without "
    "it the local platform issues no certificates (tests needing it: PM_NO_PEBBLE=1 skips them)"
)


class PebbleUnavailable(RuntimeError):
    """The pebble binary is missing, or it did not start."""


def pebble_binary() -> str | None:
    return shutil.which("pebble") or (
        "/usr/bin/pebble" if os.access("/usr/bin/pebble", os.X_OK) else None
    )


def free_port(host: str) -> int:
    """A port nothing listens on now (the OS's pick), for a process we start next."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class LocalPebble:
    """Pebble on free ports of ``host``, its DNS-01 lookups sent to ``dns_host:dns_port``."""

    def __init__(
        self,
        dns_port: int,
        host: str = "127.0.0.1",
        dns_host: str = "127.0.0.1",
        binary: str | None = None,  # default: ``pebble`` on PATH, or /usr/bin/pebble
    ):
        self.binary = binary
        self.dns_port = dns_port
        self.dns_host = dns_host
        self.host = host
        self.port = 0
        self.management_port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._dir: tempfile.TemporaryDirectory[str] | None = None

    @property
    def directory_url(self) -> str:
        return f"https://{self.host}:{self.port}/dir"

    @property
    def ca_bundle_path(self) -> str:
        if self._dir is None:
            raise PebbleUnavailable("pebble is not running")
        return str(Path(self._dir.name) / "tls-ca.pem")

    def start(self) -> None:
        """Start pebble and return once its directory answers; PebbleUnavailable if it can't."""
        if self._process is not None:
            return
        binary = self.binary or pebble_binary()
        if binary is None or not os.access(binary, os.X_OK):
            raise PebbleUnavailable(INSTALL_HINT)
        self._dir = tempfile.TemporaryDirectory(prefix="pm-pebble-")
        config = self._write_config(Path(self._dir.name))
        log = open(Path(self._dir.name) / "pebble.log", "wb")  # noqa: SIM115 - closed below
        with log:
            self._process = subprocess.Popen(
                [binary, "-config", str(config), "-strict=false", "-dnsserver", self._dns()],
                env={**os.environ, **PEBBLE_ENV},
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: stop() ends all of it
            )
        try:
            self._wait_ready()
        except PebbleUnavailable:
            self.stop()
            raise

    def _dns(self) -> str:
        return f"{self.dns_host}:{self.dns_port}"

    def _write_config(self, folder: Path) -> Path:
        cert, key, ca = _tls_files(self.host)
        (folder / "tls-cert.pem").write_bytes(cert)
        (folder / "tls-key.pem").write_bytes(key)
        (folder / "tls-ca.pem").write_bytes(ca)
        self.port, self.management_port = free_port(self.host), free_port(self.host)
        config = {
            "pebble": {
                "listenAddress": f"{self.host}:{self.port}",
                "managementListenAddress": f"{self.host}:{self.management_port}",
                "certificate": str(folder / "tls-cert.pem"),
                "privateKey": str(folder / "tls-key.pem"),
                # where pebble would connect for HTTP-01 / TLS-ALPN-01 (we only use DNS-01)
                "httpPort": free_port(self.host),
                "tlsPort": free_port(self.host),
                "ocspResponderURL": "",
                "externalAccountBindingRequired": False,
            }
        }
        path = folder / "pebble-config.json"
        path.write_text(json.dumps(config))
        return path

    def _wait_ready(self) -> None:
        for _ in range(START_ATTEMPTS):
            if self._process is None or self._process.poll() is not None:
                raise PebbleUnavailable(f"pebble exited at start:\n{self.log()[-2000:]}")
            try:
                requests.get(self.directory_url, verify=self.ca_bundle_path, timeout=1)
                return
            except requests.RequestException:
                time.sleep(0.05)
        raise PebbleUnavailable(f"pebble did not answer at {self.directory_url}:\n{self.log()}")

    def log(self) -> str:
        if self._dir is None:
            return ""
        path = Path(self._dir.name) / "pebble.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def root_pem(self) -> str:
        """The root certificate pebble's issued chains lead to (new each pebble run)."""
        url = f"https://{self.host}:{self.management_port}/roots/0"
        reply = requests.get(url, verify=self.ca_bundle_path, timeout=5)
        reply.raise_for_status()
        return reply.text

    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self) -> None:
        """End pebble's process group and remove its files; safe to call more than once."""
        process, self._process = self._process, None
        if process is not None:
            _end_group(process)
        folder, self._dir = self._dir, None
        if folder is not None:
            folder.cleanup()

    def status(self) -> dict[str, object]:
        return {
            "status": "ok" if self.running() else "stopped",
            "directory_url": self.directory_url if self.port else None,
            "dns": self._dns(),
        }


def _end_group(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=STOP_GRACE)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=STOP_GRACE)
        except ProcessLookupError:
            pass
    process.wait()


def _tls_files(host: str) -> tuple[bytes, bytes, bytes]:
    """(certificate, key, CA) PEMs for pebble's own HTTPS on ``host``, 127.0.0.1, localhost."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "PenguinMails local pebble TLS")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(*[False] * 5, True, True, False, False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    ips = {ipaddress.ip_address("127.0.0.1")}
    try:
        ips.add(ipaddress.ip_address(host))
    except ValueError:
        pass
    names = [x509.DNSName("localhost"), *(x509.IPAddress(ip) for ip in sorted(ips, key=str))]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    key_pem = key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert.public_bytes(pem), key_pem, ca.public_bytes(pem)
