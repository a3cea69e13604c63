"""The DNS records a sending domain must publish, and how each is written down.

Owns the list of required records (SPF, DKIM, DMARC, MX, return path, tracking CNAME), the
staged DMARC policy of PRODUCT.md, the 255-byte TXT splitting in its Route 53 and BIND forms,
and the validation of the domain names tenants hand us. Pure: no DNS library, no I/O.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.core.errors import ValidationFailed

if TYPE_CHECKING:
    from collections.abc import Sequence

TTL = 3600
TXT_CHUNK = 255
MX_PREFERENCE = 10
TRACKING_LABEL = "t"
VERIFYING_KINDS = frozenset({"spf", "dkim", "dmarc"})
REFUSED_TLDS = frozenset({"localhost", "invalid", "example", "local", "onion", "arpa"})
REFUSED_DOMAINS = frozenset({"example.com", "example.net", "example.org"})
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


@dataclass(frozen=True)
class RequiredRecord:
    kind: str
    name: str
    type: str
    value: str
    verifies: bool

    def to_public(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "kind": self.kind,
            "name": self.name,
            "type": self.type,
            "value": self.value,
            "route53_value": route53_value(self.type, self.value),
        }
        if self.type == "TXT":
            body["strings"] = txt_strings(self.value)
        return body


def _record(kind: str, name: str, rtype: str, value: str) -> RequiredRecord:
    return RequiredRecord(kind, name, rtype, value, verifies=kind in VERIFYING_KINDS)


def required_records(
    domain: str,
    selector: str,
    dkim_public_key_b64: str,
    server_ips: Sequence[str],
    spf_includes: Sequence[str],
    dmarc_policy: str,
    rua_address: str,
    mail_host: str,
    bounce_host: str,
    tracking_target: str,
) -> list[RequiredRecord]:
    """Everything the domain must publish, in the order a person would add them."""
    domain = _host(domain)
    spf = spf_value(server_ips, spf_includes)
    mx = f"{MX_PREFERENCE} {_host(mail_host)}"
    bounce = _bounce_name(domain, bounce_host)
    return [
        _record("spf", domain, "TXT", spf),
        _record(
            "dkim",
            f"{selector.lower()}._domainkey.{domain}",
            "TXT",
            dkim_value(dkim_public_key_b64),
        ),
        _record("dmarc", f"_dmarc.{domain}", "TXT", f"{dmarc_policy}; rua=mailto:{rua_address}"),
        _record("mx", domain, "MX", mx),
        _record("return_path", bounce, "MX", mx),
        _record("return_path", bounce, "TXT", spf),
        _record("tracking", f"{TRACKING_LABEL}.{domain}", "CNAME", _host(tracking_target)),
    ]


def spf_value(server_ips: Sequence[str], spf_includes: Sequence[str]) -> str:
    terms = ["v=spf1", *(_ip_mechanism(ip) for ip in server_ips)]
    terms += [f"include:{_host(include)}" for include in spf_includes]
    return " ".join([*terms, "~all"])


def dkim_value(public_key_b64: str) -> str:
    return "v=DKIM1; k=rsa; p=" + "".join(public_key_b64.split())


def _ip_mechanism(ip: str) -> str:
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError as exc:
        raise ValidationFailed(
            f"{ip!r} is not an IP address", {"field": "server_ips", "value": ip}
        ) from exc
    return f"ip{address.version}:{address}"


def _host(name: str) -> str:
    return name.strip().lower().removesuffix(".")


def _bounce_name(domain: str, bounce_host: str) -> str:
    """The bounce host may be a bare label or a FQDN; either way it must sit under the domain."""
    bounce = _host(bounce_host)
    if "." not in bounce:
        return f"{bounce}.{domain}"
    if not bounce.endswith(f".{domain}"):
        raise ValidationFailed(
            f"the return-path host {bounce} is not under {domain}",
            {"field": "bounce_host", "value": bounce_host, "domain": domain},
        )
    return bounce


DMARC_STAGES = {
    "none": "v=DMARC1; p=none",
    "quarantine": "v=DMARC1; p=quarantine; pct=10",
    "reject": "v=DMARC1; p=reject",
}
_STAGE_ORDER = tuple(DMARC_STAGES)


def dmarc_stage(age_days: int) -> str:
    """The staged policy: monitor first, then quarantine a sample, then reject."""
    if age_days >= 90:
        return "reject"
    if age_days >= 30:
        return "quarantine"
    return "none"


def dmarc_policy(age_days: int) -> str:
    return DMARC_STAGES[dmarc_stage(age_days)]


def stricter(stage: str, than: str) -> bool:
    """Whether DMARC stage ``stage`` comes after ``than`` (``none`` < ``quarantine`` <
    ``reject``)."""
    return _STAGE_ORDER.index(stage) > _STAGE_ORDER.index(than)


def txt_strings(value: str) -> list[str]:
    """The value as DNS character-strings of at most 255 bytes (TXT values are ASCII)."""
    if not value.isascii():
        raise ValueError("TXT values must be ASCII")
    return [value[i : i + TXT_CHUNK] for i in range(0, len(value), TXT_CHUNK)] or [""]


def route53_txt(value: str) -> str:
    """Route 53's form: each string quoted, with quote and backslash escaped."""
    return " ".join(f'"{_escape(chunk)}"' for chunk in txt_strings(value))


def _escape(chunk: str) -> str:
    return chunk.replace("\\", "\\\\").replace('"', '\\"')


def route53_value(rtype: str, value: str) -> str:
    if rtype == "TXT":
        return route53_txt(value)
    return f"{value}."  # MX "10 host" and CNAME targets become fully qualified


def bind_snippet(domain: str, records: Sequence[RequiredRecord]) -> str:
    """A zone-file fragment to paste into the domain's zone."""
    domain = _host(domain)
    lines = [f"$ORIGIN {domain}.", f"$TTL {TTL}"]
    owners = [_relative(record.name, domain) for record in records]
    width = max((len(owner) for owner in owners), default=1)
    for owner, record in zip(owners, records, strict=True):
        lines.append(f"{owner:<{width}} {TTL} IN {record.type:<5} {_bind_rdata(record)}")
    return "\n".join(lines) + "\n"


def _relative(name: str, domain: str) -> str:
    if name == domain:
        return "@"
    if name.endswith(f".{domain}"):
        return name.removesuffix(f".{domain}")
    return f"{name}."


def _bind_rdata(record: RequiredRecord) -> str:
    if record.type == "TXT":
        return "( " + " ".join(f'"{_escape(s)}"' for s in txt_strings(record.value)) + " )"
    return f"{record.value}."


def normalise_domain(name: str) -> str:
    """The domain in canonical form (lower case, punycode), or ValidationFailed saying why."""
    text = name.strip().lower()
    text = text[:-1] if text.endswith(".") else text
    _refuse_ip_address(text, name)
    ascii_name = _to_ascii(text, name)
    labels = ascii_name.split(".")
    _check_shape(ascii_name, labels, name)
    for label in labels:
        _check_label(label, name)
    _refuse_reserved(ascii_name, labels, name)
    return ascii_name


def _invalid(name: str, reason: str, message: str, **extra: Any) -> ValidationFailed:
    return ValidationFailed(message, {"field": "name", "value": name, "reason": reason, **extra})


def _refuse_ip_address(text: str, name: str) -> None:
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return
    raise _invalid(name, "ip_address", "an IP address is not a domain name")


def _to_ascii(text: str, name: str) -> str:
    if text.isascii():
        return text
    import idna  # only internationalised names need it; a dependency of email-validator

    try:
        return idna.encode(text, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise _invalid(name, "idna", f"not a valid internationalised domain name: {exc}") from exc


def _check_shape(ascii_name: str, labels: list[str], name: str) -> None:
    if not ascii_name:
        raise _invalid(name, "empty", "the domain name is empty")
    if len(ascii_name) > 253:
        raise _invalid(name, "too_long", "the domain name is longer than 253 characters")
    if len(labels) < 2:
        raise _invalid(name, "single_label", "the domain name needs at least two labels")
    if labels[-1].isdigit():
        raise _invalid(name, "numeric_tld", "the top-level domain cannot be all digits")


def _check_label(label: str, name: str) -> None:
    if not 1 <= len(label) <= 63:
        raise _invalid(name, "label_length", "each label must be 1 to 63 characters", label=label)
    if label.startswith("-") or label.endswith("-"):
        message = "a label cannot start or end with a hyphen"
        raise _invalid(name, "label_hyphen", message, label=label)
    if not _LABEL.match(label):
        message = "labels may contain only letters, digits and hyphens"
        raise _invalid(name, "label_characters", message, label=label)


def _refuse_reserved(ascii_name: str, labels: list[str], name: str) -> None:
    parent = ".".join(labels[-2:])
    if labels[-1] in REFUSED_TLDS or parent in REFUSED_DOMAINS:
        reserved = labels[-1] if labels[-1] in REFUSED_TLDS else parent
        message = f"{reserved} is reserved and cannot send mail"
        raise _invalid(name, "reserved", message, reserved=reserved)
