"""An in-memory ``DnsLookup``: answers from a dict, records what was asked."""

from __future__ import annotations

import boto3

from chalicelib.domains.rules.verification import Lookup


class FakeDns:
    """Answers ``{(name, type): Lookup}``; any other question is NXDOMAIN."""

    def __init__(self, answers: dict[tuple[str, str], Lookup] | None = None) -> None:
        self.answers: dict[tuple[str, str], Lookup] = {}
        self.asked: list[tuple[str, str]] = []
        for (name, rtype), answer in (answers or {}).items():
            self.set(name, rtype, answer)

    def set(self, name: str, rtype: str, answer: Lookup) -> None:
        self.answers[(_key(name), rtype.upper())] = answer

    def publish(self, name: str, rtype: str, *values: str) -> None:
        self.set(name, rtype, Lookup("ok", tuple(values)))

    def lookup(self, name: str, rtype: str) -> Lookup:
        key = (_key(name), rtype.upper())
        self.asked.append(key)
        if key in self.answers:
            return self.answers[key]
        if any(known == key[0] for known, _ in self.answers):
            return Lookup("noanswer", ())
        return Lookup("nxdomain", ())


def _key(name: str) -> str:
    return name.lower().removesuffix(".")


class ZoneDns:
    """Answers from moto's Route 53 zones, like the platform's DNS server does."""

    def __init__(self) -> None:
        self.route53 = boto3.client("route53", region_name="us-east-1")
        self.broken: set[str] = set()

    def lookup(self, name: str, rtype: str) -> Lookup:
        if name in self.broken:
            return Lookup("timeout", (), "timed out")
        for zone_id in self._zones_of(name):
            sets = self.route53.list_resource_record_sets(HostedZoneId=zone_id)
            for rs in sets["ResourceRecordSets"]:
                if rs["Name"].rstrip(".") == name and rs["Type"] == rtype:
                    return Lookup(
                        "ok", tuple(_value(rtype, r["Value"]) for r in rs["ResourceRecords"])
                    )
        return Lookup("nxdomain", ())

    def _zones_of(self, name: str) -> list[str]:
        """The zones named like ``name`` or a parent of it, closest first (found by name:
        reading every zone made each lookup cost as much as the tier's domains so far)."""
        labels = name.rstrip(".").lower().split(".")
        found = []
        for start in range(len(labels) - 1):
            suffix = ".".join(labels[start:]) + "."
            zones = self.route53.list_hosted_zones_by_name(DNSName=suffix, MaxItems="20")
            found += [z["Id"] for z in zones["HostedZones"] if z["Name"] == suffix]
        return found


def _value(rtype: str, raw: str) -> str:
    if rtype == "TXT":
        import shlex

        return "".join(shlex.split(raw))
    return raw.rstrip(".").lower()
