"""Checking a sending domain's published DNS against the records it must have.

Owns the per-record verdicts (``pending | verified | failed | error`` with a reason a person can
act on) and the domain's overall status. SPF is judged by its mechanisms and its DNS-lookup
count (RFC 7208 §4.6.4), DKIM by its key, DMARC by its syntax and how strict it is. DNS is
reached only through the ``DnsLookup`` port.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Sequence

    from chalicelib.domains.rules.dns_records import RequiredRecord

SPF_LOOKUP_LIMIT = 10
SPF_MAX_RECORDS = 40  # distinct SPF records fetched for one count, whatever the tree looks like
SPF_LOOKUP_TERMS = frozenset({"include", "a", "mx", "ptr", "exists"})
DMARC_POLICIES = ("none", "quarantine", "reject")
MISSING = frozenset({"nxdomain", "noanswer"})


@dataclass(frozen=True)
class Lookup:
    status: str
    values: tuple[str, ...] = ()
    detail: str = ""


class DnsLookup(Protocol):
    def lookup(self, name: str, rtype: str) -> Lookup: ...


@dataclass(frozen=True)
class RecordCheck:
    kind: str
    name: str
    type: str
    status: str
    reason: str
    expected: str
    found: list[str] = field(default_factory=list)

    def to_public(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "type": self.type,
            "status": self.status,
            "reason": self.reason,
            "expected": self.expected,
            "found": list(self.found),
        }


class _Verdict(Exception):
    """A check's outcome found deep inside it (an SPF include several levels down)."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def verify(records: Sequence[RequiredRecord], dns: DnsLookup) -> tuple[str, list[RecordCheck]]:
    """Check every record; the domain is verified when SPF, DKIM and DMARC all are."""
    cached = _CachedLookup(dns)
    checks = [check(record, cached) for record in records]
    deciding = [c.status for c, r in zip(checks, records, strict=True) if r.verifies]
    if all(status == "verified" for status in deciding):
        return "verified", checks
    if "error" in deciding and "failed" not in deciding:
        return "error", checks
    return "failed", checks


def check(record: RequiredRecord, dns: DnsLookup) -> RecordCheck:
    """One record's verdict against what DNS serves now."""
    found = dns.lookup(record.name, record.type)
    values = list(found.values)
    try:
        _require_answer(record, found)
        _COMPARERS.get(_flavour(record), _compare_exact)(record, values, dns)
    except _Verdict as verdict:
        return _result(record, verdict.status, verdict.reason, values)
    return _result(record, "verified", "", values)


def _result(record: RequiredRecord, status: str, reason: str, found: list[str]) -> RecordCheck:
    return RecordCheck(record.kind, record.name, record.type, status, reason, record.value, found)


def _flavour(record: RequiredRecord) -> str:
    if record.type != "TXT":
        return record.type
    if record.kind == "return_path" or record.value.lower().startswith("v=spf1"):
        return "spf"
    return record.kind


def _require_answer(record: RequiredRecord, found: Lookup) -> None:
    if found.status == "ok" and found.values:
        return
    if found.status in MISSING or found.status == "ok":
        raise _Verdict("failed", f"no {record.type} record at {record.name}")
    raise _Verdict("error", _lookup_problem(found))


def _lookup_problem(found: Lookup) -> str:
    if found.status == "timeout":
        return "lookup timed out"
    if found.status == "servfail":
        return "SERVFAIL from the resolver"
    return f"lookup failed: {found.detail or found.status}"


def _compare_exact(record: RequiredRecord, values: list[str], dns: DnsLookup) -> None:
    wanted = _canonical(record.type, record.value)
    if wanted not in {_canonical(record.type, value) for value in values}:
        shown = ", ".join(values)
        reason = f"{record.type} at {record.name} differs: expected {record.value}, found {shown}"
        raise _Verdict("failed", reason)


def _canonical(rtype: str, value: str) -> str:
    if rtype == "TXT":
        return value
    return " ".join(value.lower().removesuffix(".").split())


# --- SPF -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Term:
    qualifier: str
    name: str
    argument: str

    @property
    def authorises(self) -> bool:
        return self.qualifier == "+"


def _spf_records(values: Sequence[str]) -> list[str]:
    return [v for v in values if v.lower() == "v=spf1" or v.lower().startswith("v=spf1 ")]


def _parse_spf(text: str) -> tuple[list[_Term], dict[str, str]]:
    """Mechanisms in order, and modifiers by name (RFC 7208 §4.6.1)."""
    mechanisms: list[_Term] = []
    modifiers: dict[str, str] = {}
    for token in text.split()[1:]:
        name, sep, argument = token.partition("=")
        if sep and name and name.replace("-", "").replace("_", "").replace(".", "").isalnum():
            modifiers[name.lower()] = argument
            continue
        qualifier = token[0] if token[0] in "+-~?" else "+"
        body = token[1:] if token[0] in "+-~?" else token
        cut = min((i for i in (body.find(":"), body.find("/")) if i >= 0), default=len(body))
        mechanisms.append(_Term(qualifier, body[:cut].lower(), body[cut:].removeprefix(":")))
    return mechanisms, modifiers


def _compare_spf(record: RequiredRecord, values: list[str], dns: DnsLookup) -> None:
    records = _spf_records(values)
    if not records:
        raise _Verdict("failed", f"no SPF record at {record.name}")
    if len(records) > 1:
        raise _Verdict("failed", f"{len(records)} SPF records; there must be exactly one")
    mechanisms, modifiers = _parse_spf(records[0])
    _require_authorised(_parse_spf(record.value)[0], _effective(mechanisms))
    count = _SpfCounter(dns).count(record.name, mechanisms, modifiers)
    if count > SPF_LOOKUP_LIMIT:
        reason = f"SPF needs {count} DNS lookups; the limit is {SPF_LOOKUP_LIMIT}"
        raise _Verdict("failed", reason)


def _effective(mechanisms: list[_Term]) -> list[_Term]:
    """Mechanisms after ``all`` are never reached."""
    for index, term in enumerate(mechanisms):
        if term.name == "all":
            if term.authorises:
                raise _Verdict("failed", "SPF ends with +all, which lets anyone send as the domain")
            return mechanisms[: index + 1]
    return mechanisms


def _require_authorised(ours: list[_Term], theirs: list[_Term]) -> None:
    missing = [
        f"{t.name}:{t.argument}" for t in ours if t.name != "all" and not _covered(t, theirs)
    ]
    if missing:
        raise _Verdict("failed", "SPF does not authorise " + ", ".join(missing))


def _covered(term: _Term, theirs: list[_Term]) -> bool:
    if term.name in ("ip4", "ip6"):
        address = ipaddress.ip_address(term.argument)
        return any(_network_holds(t, address) for t in theirs if t.name == term.name)
    target = term.argument.lower().removesuffix(".")
    return any(
        t.authorises and t.name == term.name and t.argument.lower().removesuffix(".") == target
        for t in theirs
    )


def _network_holds(term: _Term, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    try:
        network = ipaddress.ip_network(term.argument, strict=False)
    except ValueError:
        return False
    return term.authorises and address in network


class _SpfCounter:
    """Counts DNS-querying terms through includes and redirects, with a loop guard."""

    def __init__(self, dns: DnsLookup) -> None:
        self._dns = dns
        self._memo: dict[str, int] = {}

    def count(self, name: str, mechanisms: list[_Term], modifiers: dict[str, str]) -> int:
        return self._terms(mechanisms, modifiers, (name.lower(),))

    def _terms(
        self, mechanisms: list[_Term], modifiers: dict[str, str], chain: tuple[str, ...]
    ) -> int:
        total = 0
        for term in mechanisms:
            if term.name in SPF_LOOKUP_TERMS:
                total += 1
            if term.name == "include":
                total += self._record("include", term.argument, chain)
        if "redirect" in modifiers and not any(t.name == "all" for t in mechanisms):
            total += 1 + self._record("redirect", modifiers["redirect"], chain)
        return total

    def _record(self, via: str, target: str, chain: tuple[str, ...]) -> int:
        name = target.lower().removesuffix(".")
        if "%" in name:  # a macro: expanded per message, so it cannot be followed here
            return 0
        if name in chain:
            raise _Verdict("failed", "SPF include loop: " + " → ".join([*chain, name]))
        if name not in self._memo:
            if len(self._memo) >= SPF_MAX_RECORDS:
                raise _Verdict("failed", f"SPF needs more than {SPF_MAX_RECORDS} records")
            mechanisms, modifiers = self._fetch(via, name)
            self._memo[name] = self._terms(mechanisms, modifiers, (*chain, name))
        return self._memo[name]

    def _fetch(self, via: str, name: str) -> tuple[list[_Term], dict[str, str]]:
        found = self._dns.lookup(name, "TXT")
        if found.status not in MISSING and found.status != "ok":
            raise _Verdict("error", f"{_lookup_problem(found)} for SPF {via} {name}")
        records = _spf_records(found.values)
        if len(records) != 1:
            problem = "has no SPF record" if not records else f"has {len(records)} SPF records"
            raise _Verdict("failed", f"SPF {via} {name} {problem}")
        return _parse_spf(records[0])


# --- DKIM ------------------------------------------------------------------------------


def _tags(value: str) -> list[tuple[str, str]]:
    """``k=v`` pairs of a DKIM or DMARC record, in order (RFC 6376 §3.2)."""
    pairs = []
    for part in value.split(";"):
        if part.strip():
            key, _, tag_value = part.partition("=")
            pairs.append((key.strip().lower(), tag_value.strip()))
    return pairs


def _compare_dkim(record: RequiredRecord, values: list[str], dns: DnsLookup) -> None:
    ours = dict(_tags(record.value))
    keys = [dict(_tags(value)) for value in values]
    keys = [tags for tags in keys if "p" in tags]
    if not keys:
        raise _Verdict("failed", f"no DKIM key (p=) at {record.name}")
    wanted = "".join(ours["p"].split())
    matching = [tags for tags in keys if "".join(tags["p"].split()) == wanted]
    if not matching:
        revoked = all(not tags["p"] for tags in keys)
        raise _Verdict(
            "failed", "DKIM key revoked (empty p=)" if revoked else "DKIM key differs from ours"
        )
    key_type = matching[0].get("k", "rsa").lower()
    if key_type != ours.get("k", "rsa"):
        raise _Verdict("failed", f"DKIM key type is {key_type}; ours is {ours.get('k', 'rsa')}")


# --- DMARC -----------------------------------------------------------------------------


def dmarc_holds(record: RequiredRecord, found: Sequence[str]) -> bool:
    """Whether the DMARC values found in DNS satisfy ``record`` (as strict or stricter)."""
    try:
        _judge_dmarc(record, list(found))
    except _Verdict:
        return False
    return True


def _compare_dmarc(record: RequiredRecord, values: list[str], dns: DnsLookup) -> None:
    _judge_dmarc(record, values)


def _judge_dmarc(record: RequiredRecord, values: list[str]) -> None:
    records = [v for v in values if v.strip().lower().startswith("v=dmarc1")]
    if not records:
        raise _Verdict("failed", "DMARC record malformed: it must start with v=DMARC1")
    if len(records) > 1:
        raise _Verdict("failed", f"{len(records)} DMARC records; there must be exactly one")
    theirs = _dmarc_tags(records[0])
    ours = _dmarc_tags(record.value)
    if _strictness(theirs) < _strictness(ours):
        reason = f"DMARC policy {_policy(theirs)} is weaker than ours ({_policy(ours)})"
        raise _Verdict("failed", reason)
    _require_reporting(ours, theirs)


def _dmarc_tags(value: str) -> dict[str, str]:
    pairs = _tags(value)
    if not pairs or pairs[0] != ("v", "DMARC1"):
        raise _Verdict("failed", "DMARC record malformed: it must start with v=DMARC1")
    tags = dict(pairs)
    if "p" not in tags:
        raise _Verdict("failed", "DMARC record malformed: no p= policy")
    if tags["p"].lower() not in DMARC_POLICIES:
        raise _Verdict("failed", f"DMARC record malformed: p={tags['p']} is not a policy")
    pct = tags.get("pct", "100")
    if not pct.isdigit() or int(pct) > 100:
        raise _Verdict("failed", f"DMARC record malformed: pct={pct} is not 0 to 100")
    return tags


def _strictness(tags: dict[str, str]) -> tuple[int, int]:
    """Higher is stricter: the policy first, then the share of mail it applies to."""
    rank = DMARC_POLICIES.index(tags["p"].lower())
    return rank, int(tags.get("pct", "100")) if rank else 0


def _policy(tags: dict[str, str]) -> str:
    pct = tags.get("pct", "100")
    return f"p={tags['p']}" + (f"; pct={pct}" if pct != "100" else "")


def _require_reporting(ours: dict[str, str], theirs: dict[str, str]) -> None:
    wanted = {_report_uri(uri) for uri in ours.get("rua", "").split(",") if uri.strip()}
    present = {_report_uri(uri) for uri in theirs.get("rua", "").split(",") if uri.strip()}
    if missing := sorted(wanted - present):
        raise _Verdict("failed", "DMARC rua does not include " + ", ".join(missing))


def _report_uri(uri: str) -> str:
    return uri.strip().split("!")[0].lower()  # "!10m" is a size limit, not part of the address


_COMPARERS = {"spf": _compare_spf, "dkim": _compare_dkim, "dmarc": _compare_dmarc}


class _CachedLookup:
    """One answer per (name, type) for the length of one verification."""

    def __init__(self, dns: DnsLookup) -> None:
        self._dns = dns
        self._answers: dict[tuple[str, str], Lookup] = {}

    def lookup(self, name: str, rtype: str) -> Lookup:
        key = (name.lower().removesuffix("."), rtype.upper())
        if key not in self._answers:
            self._answers[key] = self._dns.lookup(name, rtype)
        return self._answers[key]
