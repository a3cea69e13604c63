"""The webhook client over real HTTPS on loopback: it connects to the address it checked while
verifying the certificate against, and sending SNI and Host for, the URL's host name; a
certificate for another name fails the attempt; a 3xx is answered, never followed; and in a
deployed stage a name that resolves to loopback (DNS rebinding) is refused before any byte
is sent."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from chalicelib.webhooks.http_client import GuardedPoster

HOST = "hooks.example.test"


class Resolver:
    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers

    def addresses(self, host: str) -> list[str]:
        return self.answers.get(host, [])


def _certificate(tmp: Path, hostname: str) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / f"{hostname}.pem", tmp / f"{hostname}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class TlsReceiver:
    """HTTPS on 127.0.0.1: keeps each request's SNI, Host, path and body; answers ``status``."""

    def __init__(self, cert: Path, key: Path, status: int = 200) -> None:
        self.seen: list[dict[str, Any]] = []
        self.sni: list[str | None] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.seen.append(
                    {"host": self.headers["Host"], "path": self.path, "body": body}
                )
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "https://elsewhere.example.test/")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(cert), str(key))
        context.sni_callback = lambda sock, name, ctx: self.sni.append(name)
        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def certs(tmp_path: Path) -> dict[str, tuple[Path, Path]]:
    return {name: _certificate(tmp_path, name) for name in (HOST, "other.example.test")}


@pytest.fixture
def served(certs) -> Iterator[TlsReceiver]:
    receiver = TlsReceiver(*certs[HOST])
    yield receiver
    receiver.close()


def test_https_goes_to_the_checked_address_with_the_urls_name_for_sni_and_host(certs, served):
    poster = GuardedPoster(
        Resolver({HOST: ["127.0.0.1"]}), local=True, ca_certs=str(certs[HOST][0])
    )
    url = f"https://{HOST}:{served.port}/in?x=1"
    result = poster.post(url, b'{"a":1}', {"Content-Type": "application/json"})
    assert (result.status, result.error) == (200, None)
    assert served.sni == [HOST]
    assert served.seen == [{"host": f"{HOST}:{served.port}", "path": "/in?x=1", "body": b'{"a":1}'}]


def test_a_certificate_for_another_name_fails_the_attempt(certs, served):
    trusted_other = str(certs["other.example.test"][0])
    poster = GuardedPoster(Resolver({HOST: ["127.0.0.1"]}), local=True, ca_certs=trusted_other)
    result = poster.post(f"https://{HOST}:{served.port}/in", b"{}", {})
    assert result.status is None
    assert "SSL" in (result.error or "") or "certificate" in (result.error or "").lower()
    assert served.seen == []


def test_a_redirect_is_answered_and_never_followed(certs):
    receiver = TlsReceiver(*certs[HOST], status=302)
    try:
        poster = GuardedPoster(
            Resolver({HOST: ["127.0.0.1"]}), local=True, ca_certs=str(certs[HOST][0])
        )
        result = poster.post(f"https://{HOST}:{receiver.port}/in", b"{}", {})
    finally:
        receiver.close()
    assert result.status == 302
    assert len(receiver.seen) == 1


def test_deployed_a_name_resolving_to_loopback_is_refused_before_connecting(certs, served):
    poster = GuardedPoster(
        Resolver({HOST: ["127.0.0.1"]}), local=False, ca_certs=str(certs[HOST][0])
    )
    result = poster.post(f"https://{HOST}:{served.port}/in", b"{}", {})
    assert result.status is None and result.error
    assert served.seen == [] and served.sni == []
