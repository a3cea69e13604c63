"""Certificates from any ACME v2 CA (Let's Encrypt; locally pebble) through certbot's ``acme``
library, DNS-01 only: the ``CertificateAuthority`` port.

One account per process, registered on first use with the key kept in the secret store
(created and stored when missing; an account that already exists for the key is reused).
``issue`` orders the hostnames, publishes each challenge's TXT record, waits until the record is
visible through the resolver the CA will ask (``visible``; ``DnsNotVisible`` when it never is),
answers, finalizes with a CSR of a fresh key and downloads the chain; the TXT records are
unpublished afterwards whatever happened.

Certificate keys are RSA 2048, not ECDSA P-256: the certificate is served by a mail server
(SMTP STARTTLS, IMAP) whose peers include old MTAs, appliances and mail clients without ECDSA
cipher suites, where a failed handshake means plaintext or a bounced message; RSA 2048 is what
every one of them accepts, and its cost (a key made once per server) does not matter here.

Errors: unreachable, 5xx, rate limited, not finished in time -> ``CertificateAuthorityUnavailable``
(retried); an invalid challenge or a refused order -> ``CertificateRejected`` with the CA's
message (rolled back).
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from chalicelib.provisioning.errors import (
    CertificateAuthorityUnavailable,
    CertificateRejected,
    DnsNotVisible,
)
from chalicelib.provisioning.ports import IssuedCertificate

if TYPE_CHECKING:
    from acme import client as acme_client
    from acme import messages
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

    from chalicelib.provisioning.ports import Publish

logger = logging.getLogger(__name__)

Visible = Callable[[str, str], bool]  # (record name, TXT value) seen by the CA's resolver?
UNAVAILABLE_CODES = {"rateLimited", "serverInternal", "badNonce"}
REQUEST_TIMEOUT = 30  # seconds, each HTTP request to the CA


class AccountKeyStore(Protocol):
    """Where the ACME account key (PEM) lives between runs."""

    def load(self) -> str | None: ...

    def store(self, pem: str) -> None: ...


class _Secrets(Protocol):
    def put(self, name: str, value: str) -> None: ...

    def read(self, name: str) -> str: ...


class SecretAccountKey:
    """The account key as the secret ``name`` of a secret store (``chalicelib.aws.secrets``'
    writer or the tests' fake): read, or None when the secret does not exist."""

    def __init__(self, secrets: _Secrets, name: str) -> None:
        self._secrets = secrets
        self.name = name

    def load(self) -> str | None:
        try:
            return self._secrets.read(self.name)
        except KeyError:  # the fakes' answer
            return None
        except Exception as error:  # noqa: BLE001 - only Secrets Manager's "not found" is None
            if _error_code(error) == "ResourceNotFoundException":
                return None
            raise

    def store(self, pem: str) -> None:
        self._secrets.put(self.name, pem)


class AcmeCertificateAuthority:
    """``CertificateAuthority`` over ACME v2 with DNS-01 challenges."""

    def __init__(
        self,
        directory_url: str,
        contact: str,
        account_key: Callable[[], str] | AccountKeyStore,
        ca_bundle: str | None = None,
        visible: Visible | None = None,
        timeout: float = 60.0,
        poll_seconds: float = 1.0,
    ) -> None:
        self.directory_url = directory_url
        self._contact = contact
        self._account_key = account_key
        self._ca_bundle = ca_bundle
        self._visible = visible
        self._timeout = timeout
        self._poll_seconds = poll_seconds
        self._client: acme_client.ClientV2 | None = None
        self._lock = threading.Lock()

    # --- the port ---------------------------------------------------------------------------

    def issue(
        self, hostnames: Sequence[str], publish: Publish, unpublish: Publish
    ) -> IssuedCertificate:
        names = list(dict.fromkeys(h.strip().rstrip(".").lower() for h in hostnames if h.strip()))
        if not names:
            raise CertificateRejected("a certificate needs at least one hostname")
        from acme import messages

        key = _new_key()
        published: list[tuple[str, str]] = []
        try:
            with _ca_errors():
                client = self._account()
                order = client.new_order(_csr(key, names))
                answers = [
                    self._publish(client, authz, publish, published)
                    for authz in order.authorizations
                    if authz.body.status != messages.STATUS_VALID  # reused: nothing to prove
                ]
                for name, value in published:
                    self._wait_visible(name, value)
                for challenge, response in answers:
                    client.answer_challenge(challenge, response)
                deadline = datetime.datetime.now() + datetime.timedelta(seconds=self._timeout)
                done = client.poll_and_finalize(order, deadline)
        finally:
            for name, value in published:
                _unpublish(unpublish, name, value)
        return _issued(done.fullchain_pem, key)

    def revoke(self, cert_chain_pem: str) -> None:
        """Revoke the chain's leaf; one already revoked is fine."""
        from acme import messages
        from cryptography import x509

        leaf = x509.load_pem_x509_certificate(cert_chain_pem.encode())
        with _ca_errors():
            try:
                self._account().revoke(leaf, 0)
            except messages.Error as error:
                if error.code != "alreadyRevoked":
                    raise

    # --- the steps --------------------------------------------------------------------------

    def _publish(
        self,
        client: acme_client.ClientV2,
        authz: messages.AuthorizationResource,
        publish: Publish,
        published: list[tuple[str, str]],
    ) -> tuple[messages.ChallengeBody, Any]:
        from acme import challenges

        for challenge in authz.body.challenges:
            if isinstance(challenge.chall, challenges.DNS01):
                response, value = challenge.response_and_validation(client.net.key)
                name = challenge.chall.validation_domain_name(authz.body.identifier.value)
                publish(name, value)
                published.append((name, value))
                return challenge, response
        raise CertificateRejected(
            f"the CA offers no DNS-01 challenge for {authz.body.identifier.value}"
        )

    def _wait_visible(self, name: str, value: str) -> None:
        if self._visible is None:
            return
        deadline = time.monotonic() + self._timeout
        while not self._visible(name, value):
            if time.monotonic() >= deadline:
                raise DnsNotVisible(f"TXT {name} not visible after {self._timeout:g} s")
            time.sleep(self._poll_seconds)

    def _account(self) -> acme_client.ClientV2:
        """The registered client, made once (thread-safe)."""
        with self._lock:
            if self._client is None:
                self._client = self._register()
            return self._client

    def _register(self) -> acme_client.ClientV2:
        import josepy
        from acme import client as acme_client
        from acme import errors as acme_errors
        from acme import messages

        jwk = josepy.JWKRSA(key=_load_key(self._key_pem()))
        net = acme_client.ClientNetwork(jwk, user_agent="penguinmails", timeout=REQUEST_TIMEOUT)
        if self._ca_bundle:
            net.verify_ssl = self._ca_bundle  # type: ignore[assignment] # requests takes a path
        client = acme_client.ClientV2(
            acme_client.ClientV2.get_directory(self.directory_url, net), net
        )
        registration = messages.NewRegistration.from_data(
            email=self._contact, terms_of_service_agreed=True
        )
        try:
            client.new_account(registration)
        except acme_errors.ConflictError as existing:  # this key has an account already
            net.account = messages.RegistrationResource(
                uri=existing.location, body=messages.Registration()
            )
        return client

    def _key_pem(self) -> str:
        source = self._account_key
        if callable(source) and not hasattr(source, "load"):
            return source()
        store: AccountKeyStore = source  # type: ignore[assignment]
        pem = store.load()
        if pem is None:
            pem = _pem(_new_key())
            store.store(pem)
        return pem


# --- helpers ------------------------------------------------------------------------------------


def _new_key() -> RSAPrivateKey:
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem(key: RSAPrivateKey) -> str:
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _load_key(pem: str) -> RSAPrivateKey:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise CertificateRejected("the ACME account key must be an RSA key")
    return key


def _csr(key: RSAPrivateKey, names: list[str]) -> bytes:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID

    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), False)
        .sign(key, hashes.SHA256())
    )
    return csr.public_bytes(serialization.Encoding.PEM)


def _issued(chain_pem: str | None, key: RSAPrivateKey) -> IssuedCertificate:
    from cryptography import x509

    if not chain_pem:
        raise CertificateAuthorityUnavailable("the CA finished the order without a certificate")
    leaf = x509.load_pem_x509_certificate(chain_pem.encode())
    not_after = leaf.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    return IssuedCertificate(cert_chain_pem=chain_pem, key_pem=_pem(key), not_after=not_after)


def _unpublish(unpublish: Publish, name: str, value: str) -> None:
    """Never masks the issuance's own outcome: a TXT record left behind is harmless (the
    next order has a new value) and the DNS rollback removes the domain's records anyway."""
    try:
        unpublish(name, value)
    except Exception:  # noqa: BLE001 - logged, see above
        logger.warning("could not unpublish the ACME challenge %s", name, exc_info=True)


def _error_code(error: BaseException) -> str | None:
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        return response.get("Error", {}).get("Code")
    return None


def _status_of(error: BaseException) -> int | None:
    """The HTTP status of the reply an ``acme`` ClientError carries, if any."""
    for arg in error.args:
        for part in arg if isinstance(arg, tuple) else (arg,):
            status = getattr(part, "status_code", None)
            if isinstance(status, int):
                return status
    return None


@contextlib.contextmanager
def _ca_errors() -> Iterator[None]:
    """The acme library's and requests' errors as the state machine's error classes."""
    import requests
    from acme import errors as acme_errors
    from acme import messages

    try:
        yield
    except requests.RequestException as error:  # refused, reset, timed out, TLS
        raise CertificateAuthorityUnavailable(f"ACME server unreachable: {error}") from error
    except acme_errors.ValidationError as error:
        raise CertificateRejected(str(error)) from error
    except acme_errors.IssuanceError as error:
        raise CertificateRejected(str(error.error)) from error
    except acme_errors.TimeoutError as error:
        raise CertificateAuthorityUnavailable("the ACME order did not finish in time") from error
    except messages.Error as error:
        if error.code in UNAVAILABLE_CODES:
            raise CertificateAuthorityUnavailable(str(error)) from error
        raise CertificateRejected(str(error)) from error
    except acme_errors.ClientError as error:  # a reply that is no ACME problem document
        status = _status_of(error)
        if status is None or status >= 500 or status == 429:
            raise CertificateAuthorityUnavailable(f"ACME server error: {error!r}") from error
        raise CertificateRejected(f"ACME server refused: HTTP {status}") from error
    except acme_errors.Error as error:
        raise CertificateRejected(str(error) or type(error).__name__) from error
