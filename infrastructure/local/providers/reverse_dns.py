"""PTR records of the local servers' addresses, written where the local DNS server reads:
a reverse zone (``1.0.127.in-addr.arpa`` for 127.0.1.0/24) in the emulator's Route 53,
created when missing, through the boto3 route53 client the platform gives."""

from __future__ import annotations

import ipaddress
import threading
from typing import Any

from botocore.exceptions import ClientError

TTL = 300


def reverse_zone(network: str) -> str:
    """``127.0.1.0/24`` -> ``1.0.127.in-addr.arpa`` (a /24 network, one zone)."""
    net = ipaddress.ip_network(network)
    if net.version != 4 or net.prefixlen != 24:
        raise ValueError("the local servers' network must be an IPv4 /24")
    return ".".join(reversed(str(net.network_address).split(".")[:3])) + ".in-addr.arpa"


class ReverseDns:
    def __init__(self, route53: Any, network: str) -> None:
        self._route53 = route53
        self.zone = reverse_zone(network)
        self._zone_id: str | None = None
        self._lock = threading.Lock()

    def set(self, ip: str, hostname: str) -> None:
        """UPSERT the PTR of ``ip`` -> ``hostname``."""
        record = {
            "Name": ipaddress.ip_address(ip).reverse_pointer + ".",
            "Type": "PTR",
            "TTL": TTL,
            "ResourceRecords": [{"Value": hostname.rstrip(".") + "."}],
        }
        self._change("UPSERT", record)

    def remove(self, ip: str) -> None:
        """Delete the PTR of ``ip``; none is fine."""
        name = ipaddress.ip_address(ip).reverse_pointer + "."
        found = self._route53.list_resource_record_sets(
            HostedZoneId=self._zone(), StartRecordName=name, StartRecordType="PTR", MaxItems="1"
        )["ResourceRecordSets"]
        for record in found:
            if record["Name"] == name and record["Type"] == "PTR":
                try:
                    self._change("DELETE", record)
                except ClientError as exc:  # deleted meanwhile
                    if exc.response["Error"]["Code"] != "InvalidChangeBatch":
                        raise

    def lookup(self, ip: str) -> str | None:
        """The PTR value of ``ip`` in Route 53 (no trailing dot), or None."""
        name = ipaddress.ip_address(ip).reverse_pointer + "."
        found = self._route53.list_resource_record_sets(
            HostedZoneId=self._zone(), StartRecordName=name, StartRecordType="PTR", MaxItems="1"
        )["ResourceRecordSets"]
        for record in found:
            if record["Name"] == name and record["Type"] == "PTR":
                return str(record["ResourceRecords"][0]["Value"]).rstrip(".")
        return None

    def _change(self, action: str, record: dict[str, Any]) -> None:
        batch = {"Changes": [{"Action": action, "ResourceRecordSet": record}]}
        try:
            self._route53.change_resource_record_sets(HostedZoneId=self._zone(), ChangeBatch=batch)
        except ClientError as exc:  # the zone was deleted since: find or create it again
            if exc.response["Error"]["Code"] != "NoSuchHostedZone":
                raise
            with self._lock:
                self._zone_id = None
            self._route53.change_resource_record_sets(HostedZoneId=self._zone(), ChangeBatch=batch)

    def _zone(self) -> str:
        with self._lock:
            if self._zone_id is None:
                self._zone_id = self._find_zone() or self._create_zone()
            return self._zone_id

    def _find_zone(self) -> str | None:
        zones = self._route53.list_hosted_zones_by_name(DNSName=self.zone, MaxItems="1")
        for zone in zones["HostedZones"]:
            if zone["Name"] == self.zone + ".":
                return str(zone["Id"]).rpartition("/")[2]
        return None

    def _create_zone(self) -> str:
        zone = self._route53.create_hosted_zone(
            Name=self.zone, CallerReference=f"penguinmails-local-reverse-{self.zone}"
        )
        return str(zone["HostedZone"]["Id"]).rpartition("/")[2]
