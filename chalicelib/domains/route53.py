"""Publishing a domain's records into its Route 53 hosted zone (UPSERT, idempotent) and
removing them when the domain goes. The zone is found by name, or created when missing
(its name servers are then reported so the tenant can delegate to them)."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from chalicelib.domains.rules.dns_records import RequiredRecord, route53_txt

if TYPE_CHECKING:
    from collections.abc import Sequence

TTL = 300


class Route53Publisher:
    def __init__(self, client: Any) -> None:
        self._client = client

    def ensure_zone(self, domain: str) -> tuple[str, tuple[str, ...]]:
        zones = self._client.list_hosted_zones_by_name(DNSName=domain, MaxItems="1")
        for zone in zones.get("HostedZones", []):
            if zone["Name"].rstrip(".").lower() == domain:
                return zone["Id"], self._name_servers(zone["Id"])
        created = self._client.create_hosted_zone(Name=domain, CallerReference=f"pm-{domain}")
        return created["HostedZone"]["Id"], tuple(
            created.get("DelegationSet", {}).get("NameServers", [])
        )

    def _name_servers(self, zone_id: str) -> tuple[str, ...]:
        reply = self._client.get_hosted_zone(Id=zone_id)
        return tuple(reply.get("DelegationSet", {}).get("NameServers", []))

    def upsert(self, zone_id: str, records: Sequence[RequiredRecord]) -> None:
        self._change(zone_id, "UPSERT", records)

    def delete(self, zone_id: str, records: Sequence[RequiredRecord]) -> None:
        for change in _record_sets(records):
            try:
                self._client.change_resource_record_sets(
                    HostedZoneId=zone_id,
                    ChangeBatch={"Changes": [{"Action": "DELETE", "ResourceRecordSet": change}]},
                )
            except (
                self._client.exceptions.InvalidChangeBatch,
                self._client.exceptions.InvalidInput,  # the emulator's answer to the same
            ):
                continue  # already gone, or changed by hand: leave it

    def _change(self, zone_id: str, action: str, records: Sequence[RequiredRecord]) -> None:
        changes = [{"Action": action, "ResourceRecordSet": rs} for rs in _record_sets(records)]
        if changes:
            self._client.change_resource_record_sets(
                HostedZoneId=zone_id, ChangeBatch={"Changes": changes}
            )


def _record_sets(records: Sequence[RequiredRecord]) -> list[dict[str, Any]]:
    grouped: dict[tuple[str, str], list[str]] = defaultdict(list)
    for record in records:
        value = route53_txt(record.value) if record.type == "TXT" else record.value
        grouped[(record.name, record.type)].append(value)
    return [
        {
            "Name": name + ".",
            "Type": rtype,
            "TTL": TTL,
            "ResourceRecords": [{"Value": v} for v in dict.fromkeys(values)],
        }
        for (name, rtype), values in grouped.items()
    ]
