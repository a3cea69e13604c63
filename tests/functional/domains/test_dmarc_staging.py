"""DMARC staging through the API and the hourly verifier (``functions.domain_verifier``),
over moto Route 53 and the DNS twin that answers from its zones, with the clock moved to
days 29, 31 and 91: a Route 53 domain's record is republished and the domain never blocked
for it; a manual domain's tenant gets one notification per stage and the DNS listing shows
the advised record, and the domain keeps verifying with the record it was asked for."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from tests.fakes.accounts import FakeQueue
from tests.fakes.core import FakeClock
from tests.fakes.dns import ZoneDns

# Far before the rest of the tier's domains, so the verifier finds only this file's as due.
CREATED = datetime(2020, 1, 1, 12, tzinfo=UTC)


class Staging:
    def __init__(self, api, provider: str) -> None:
        from chalicelib.core import wiring

        self.api, self.clock, self.queue = api, FakeClock(CREATED), FakeQueue()
        wiring.override("core.clock", self.clock)
        wiring.override("domains.dns_lookup", ZoneDns())
        wiring.override("accounts.notifications", self.queue)
        self.route53 = boto3.client("route53", region_name="us-east-1")
        _, self.key = api.new_tenant("business", contact_email="owner@example.test")
        self.name = f"stage{os.urandom(4).hex()}.test"
        body = {"name": self.name, "dns_provider": provider, "server_ips": ["192.0.2.7"]}
        self.id = api.call("POST", "/v1/domains", self.key, body).data["id"]

    def publish_listed(self) -> None:
        """A manual domain's tenant publishes the listed records in its own DNS."""
        zone = self.route53.create_hosted_zone(Name=self.name, CallerReference=os.urandom(8).hex())
        self.tenant_zone = zone["HostedZone"]["Id"]
        self.republish()

    def republish(self) -> None:
        grouped: dict[tuple[str, str], list[str]] = {}
        for record in self.dns()["records"]:
            grouped.setdefault((record["name"], record["type"]), []).append(record["route53_value"])
        for (name, rtype), values in grouped.items():
            self._upsert(name, rtype, values)

    def _upsert(self, name: str, rtype: str, values: list[str]) -> None:
        change = {"Name": f"{name}.", "Type": rtype, "TTL": 300}
        change["ResourceRecords"] = [{"Value": v} for v in dict.fromkeys(values)]
        self.route53.change_resource_record_sets(
            HostedZoneId=self.tenant_zone,
            ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": change}]},
        )

    def dns(self) -> dict:
        return self.api.call("GET", f"/v1/domains/{self.id}/dns", self.key).data

    def dmarc_listed(self) -> dict:
        return next(r for r in self.dns()["records"] if r["kind"] == "dmarc")

    def domain(self) -> dict:
        return self.api.call("GET", f"/v1/domains/{self.id}", self.key).data

    def dmarc_found(self) -> list[str]:
        return next(r for r in self.domain()["records"] if r["kind"] == "dmarc")["found"]

    def hourly_run_at_day(self, day: int, hours: int = 0) -> dict:
        from functions import domain_verifier

        self.clock.moment = CREATED + timedelta(days=day, hours=hours)
        outcome = domain_verifier.handler({"source": "aws.events"}, None)
        assert outcome["errors"] == 0, outcome
        return self.domain()

    def notices(self) -> list[str]:
        return [j["facts"]["value"] for j in self.queue.jobs if j["kind"] == "domain.dmarc_upgrade"]


@pytest.fixture
def route53(api, aws) -> Staging:
    staging = Staging(api, "route53")
    assert staging.api.call("POST", f"/v1/domains/{staging.id}/verify", staging.key).data[
        "can_send"
    ]
    return staging


@pytest.fixture
def manual(api, aws) -> Staging:
    staging = Staging(api, "manual")
    staging.publish_listed()
    assert staging.api.call("POST", f"/v1/domains/{staging.id}/verify", staging.key).data[
        "can_send"
    ]
    return staging


def test_a_route53_domain_is_republished_at_days_31_and_91_and_never_blocked(route53):
    assert route53.hourly_run_at_day(29)["can_send"]
    assert "p=none" in route53.dmarc_found()[0]
    for day, policy in ((31, "p=quarantine; pct=10"), (91, "p=reject")):
        # the first run finds the stage due: it publishes it and does not block
        assert route53.hourly_run_at_day(day)["can_send"]
        # the next run finds it in DNS (and holds the domain to it)
        assert route53.hourly_run_at_day(day, hours=1)["can_send"]
        assert policy in route53.dmarc_found()[0]
    assert route53.notices() == []
    assert "advised_upgrade" not in route53.dmarc_listed()


def test_a_manual_domain_is_told_once_per_stage_and_verified_with_what_it_was_asked(manual):
    assert manual.hourly_run_at_day(29)["can_send"]
    assert manual.notices() == [] and "advised_upgrade" not in manual.dmarc_listed()
    # day 31: quarantine is due; the tenant still publishes p=none
    assert manual.hourly_run_at_day(31)["can_send"]
    assert manual.hourly_run_at_day(31, hours=1)["can_send"]
    listed = manual.dmarc_listed()
    assert manual.notices() == [listed["value"]] and "p=quarantine; pct=10" in listed["value"]
    assert listed["advised_upgrade"] is True and "p=none" in listed["required_value"]
    # the tenant publishes it: the advice goes, and the domain is held to it
    manual.republish()
    assert manual.hourly_run_at_day(32)["can_send"]
    assert "advised_upgrade" not in manual.dmarc_listed()
    # day 91: reject is due; one more notification, still verified with quarantine
    assert manual.hourly_run_at_day(91)["can_send"]
    assert manual.hourly_run_at_day(91, hours=1)["can_send"]
    assert len(manual.notices()) == 2 and "p=reject" in manual.notices()[1]
    assert "p=quarantine" in manual.dmarc_listed()["required_value"]


def test_a_manual_domain_weakened_below_what_it_published_is_blocked(manual):
    manual.hourly_run_at_day(31)
    manual.republish()
    manual.hourly_run_at_day(32)
    rua = manual.dmarc_listed()["value"].split("; rua=")[1]
    manual._upsert(f"_dmarc.{manual.name}", "TXT", [f'"v=DMARC1; p=none; rua={rua}"'])
    after = manual.hourly_run_at_day(33)
    assert after["sending_blocked"] and not after["can_send"]
