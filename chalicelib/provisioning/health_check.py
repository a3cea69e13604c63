"""HealthCheck: a finished server checked from the outside, as a mail client and a receiving
server would see it — DNS through the configured resolver (A, MX, SPF, both DKIM keys,
DMARC, PTR), the SMTP banner, STARTTLS with the certificate verified against the trust
store for the server's name, AUTH with a mailbox's password, IMAP (implicit TLS on 993,
STARTTLS elsewhere) with LOGIN, and the certificate's remaining validity.

Each check is a dict ``{name, ok, detail}``; DNS failures raise ``DnsNotVisible`` (the state
machine waits for propagation), others ``HealthCheckFailed``. Passwords never appear."""

from __future__ import annotations

import imaplib
import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.provisioning.errors import DnsNotVisible, HealthCheckFailed

MIN_VALIDITY = timedelta(days=7)


@dataclass(frozen=True)
class Target:
    domain: str
    hostname: str
    ip: str
    smtp_port: int
    imap_port: int
    username: str
    password: str = field(repr=False)
    dkim_selectors: tuple[str, ...]


class ServerHealth:
    def __init__(
        self,
        nameserver: str | None,
        port: int,
        trust_bundle: str | None,
        timeout: float = 10.0,
    ) -> None:
        self._nameserver, self._port = nameserver, port
        self._trust = trust_bundle
        self._timeout = timeout

    # --- the whole check ------------------------------------------------------------------

    def check(self, target: Target) -> list[dict[str, Any]]:
        dns_checks = self.dns(target)
        failed = [c for c in dns_checks if not c["ok"]]
        if failed:
            raise DnsNotVisible("; ".join(f"{c['name']}: {c['detail']}" for c in failed))
        service_checks = [self._guard("smtp", lambda: self.smtp(target))]
        service_checks.append(self._guard("imap", lambda: self.imap(target)))
        checks = dns_checks + [c for group in service_checks for c in group]
        failed = [c for c in checks if not c["ok"]]
        if failed:
            raise HealthCheckFailed("; ".join(f"{c['name']}: {c['detail']}" for c in failed))
        return checks

    @staticmethod
    def _guard(name: str, run: Any) -> list[dict[str, Any]]:
        try:
            return list(run())
        except (OSError, smtplib.SMTPException, imaplib.IMAP4.error, ssl.SSLError) as exc:
            return [{"name": name, "ok": False, "detail": f"{type(exc).__name__}: {exc}"}]

    # --- DNS ------------------------------------------------------------------------------

    def _resolver(self) -> Any:
        import dns.resolver

        resolver = dns.resolver.Resolver(configure=not self._nameserver)
        if self._nameserver:
            resolver.nameservers = [self._nameserver]
            resolver.port = self._port
        resolver.lifetime = self._timeout
        return resolver

    def _answers(self, name: str, rtype: str) -> list[str]:
        import dns.exception

        try:
            answer = self._resolver().resolve(name, rtype)
        except dns.exception.DNSException:
            return []
        if rtype == "TXT":
            return [b"".join(r.strings).decode("utf-8", "replace") for r in answer]
        return [r.to_text().rstrip(".").lower() for r in answer]

    def dns(self, t: Target) -> list[dict[str, Any]]:
        import dns.reversename

        def check(name: str, ok: bool, seen: list[str]) -> dict[str, Any]:
            return {"name": name, "ok": ok, "detail": ", ".join(seen) or "no answer"}

        a = self._answers(t.hostname, "A")
        mx = self._answers(t.domain, "MX")
        spf = [v for v in self._answers(t.domain, "TXT") if v.startswith("v=spf1")]
        dmarc = self._answers(f"_dmarc.{t.domain}", "TXT")
        ptr = self._answers(dns.reversename.from_address(t.ip).to_text(), "PTR")
        checks = [
            check("dns.a", t.ip in a, a),
            check("dns.mx", any(v.endswith(t.hostname) for v in mx), mx),
            check("dns.spf", any(f"ip4:{t.ip}" in v for v in spf), spf),
            check("dns.dmarc", any(v.startswith("v=DMARC1") for v in dmarc), dmarc),
            check("dns.ptr", t.hostname in ptr, ptr),
        ]
        for selector in t.dkim_selectors:
            dkim = self._answers(f"{selector}._domainkey.{t.domain}", "TXT")
            ok = any("p=" in v and "p=;" not in v for v in dkim)
            checks.append(check(f"dns.dkim.{selector}", ok, [v[:40] + "…" for v in dkim]))
        return checks

    # --- TLS services -----------------------------------------------------------------------

    def _context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if self._trust:
            context.load_verify_locations(cafile=self._trust)
        return context

    def smtp(self, t: Target) -> list[dict[str, Any]]:
        checks: list[dict[str, Any]] = []
        client = _Smtp(t.ip, t.hostname, self._timeout)
        try:
            code, banner = client.connect(t.ip, t.smtp_port)
            checks.append(_step("smtp.banner", code == 220, f"{code} {banner.decode()[:80]}"))
            client.ehlo("health.penguinmails")
            client.starttls(context=self._context())
            checks.append(_step("smtp.starttls", True, _tls_summary(client.sock)))
            checks.append(_certificate(client.sock))
            client.ehlo("health.penguinmails")
            code, _ = client.login(t.username, t.password)
            checks.append(_step("smtp.auth", code == 235, str(code)))
        finally:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                client.close()
        return checks

    def imap(self, t: Target) -> list[dict[str, Any]]:
        context = self._context()
        implicit = t.imap_port == 993
        client = _Imap(t.ip, t.hostname, t.imap_port, self._timeout, context if implicit else None)
        try:
            if not implicit:
                client.starttls(ssl_context=context)
            checks = [_step("imap.tls", True, _tls_summary(client.sock))]
            status, _ = client.login(t.username, t.password)
            checks.append(_step("imap.login", status == "OK", status))
        finally:
            try:
                client.logout()
            except (OSError, imaplib.IMAP4.error):
                client.shutdown()
        return checks


def _step(name: str, ok: bool, detail: str) -> dict[str, Any]:
    return {"name": name, "ok": ok, "detail": detail}


def _tls_summary(sock: Any) -> str:
    if not isinstance(sock, ssl.SSLSocket):
        return "plain"
    cipher = sock.cipher()
    return f"{sock.version()} {cipher[0] if cipher else ''}"


def _certificate(sock: Any) -> dict[str, Any]:
    cert: dict[str, Any] | None = sock.getpeercert() if isinstance(sock, ssl.SSLSocket) else None
    if not cert:
        return _step("certificate", False, "no certificate")
    not_after = datetime.fromtimestamp(ssl.cert_time_to_seconds(str(cert["notAfter"])), UTC)
    left = not_after - datetime.now(UTC)
    issuer = {str(k): str(v) for rdn in cert.get("issuer", ()) for k, v in rdn}
    detail = f"valid until {not_after:%Y-%m-%d}, issued by {issuer.get('commonName', '?')}"
    return _step("certificate", left >= MIN_VALIDITY, detail)


class _Smtp(smtplib.SMTP):
    """Connects to the server's IP while TLS checks the certificate for its host name."""

    def __init__(self, ip: str, hostname: str, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self._ip, self._tls_name = ip, hostname

    def connect(self, host: str = "", port: int = 0, source_address: Any = None) -> Any:
        code, message = super().connect(self._ip, port)
        self._host = self._tls_name  # what starttls() checks the certificate against
        return code, message


class _Imap(imaplib.IMAP4):
    def __init__(
        self, ip: str, hostname: str, port: int, timeout: float, implicit: ssl.SSLContext | None
    ) -> None:
        self._ip, self._implicit = ip, implicit
        super().__init__(hostname, port, timeout=timeout)

    def _create_socket(self, timeout: float | None = None) -> socket.socket:
        sock = socket.create_connection((self._ip, self.port), timeout)
        if self._implicit is not None:
            return self._implicit.wrap_socket(sock, server_hostname=self.host)
        return sock
