"""The provisioning tasks over fakes, driven in the state machines' order by a small driver
(retries for the transient error classes, the rollback chain on anything else). The real
state machines on the emulator's engine are the integration tier's job."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.provisioning import create_tasks, remove_tasks  # noqa: F401 - registers tasks
from chalicelib.provisioning.errors import (
    DnsNotVisible,
    ProviderUnavailable,
    ProvisioningError,
    ProvisioningFailed,
    QuotaExceeded,
)
from chalicelib.provisioning.records import MailboxRequest, Server, ServerRequest
from chalicelib.provisioning.rules import PROVISION_STEPS
from chalicelib.provisioning.steps import TASKS, run
from tests.fakes.provisioning import ProvisioningWorld, provisioning_world

PROVISION = [
    ("ValidateQuota", "validate_quota"),
    ("CreateVps", "create_vps"),
    ("PollVps", "poll_vps"),
    ("ConfigureServer", "configure_server"),
    ("CreateMailDomain", "create_mail_domain"),
    ("CreateMailboxes", "create_mailboxes"),
    ("PublishDns", "publish_dns"),
    ("IssueCertificate", "issue_certificate"),
    ("HealthCheck", "health_check"),
    ("RegisterMailboxes", "register_mailboxes"),
    ("StartWarmup", "start_warmup"),
    ("Ready", "mark_ready"),
    ("Notify", "notify"),
]
ROLLBACK = [
    ("RollbackRegistration", "remove_registration"),
    ("RollbackCertificate", "remove_certificate"),
    ("RollbackDns", "remove_dns"),
    ("RollbackMailboxes", "remove_mail_users"),
    ("RollbackMailDomain", "remove_mail_domain"),
    ("RollbackVps", "delete_vps"),
    ("RolledBack", "mark_rolled_back"),
    ("NotifyRolledBack", "notify"),
]
DECOMMISSION = [
    ("RemoveMailboxes", "remove_mailboxes"),
    ("RemoveDns", "remove_dns"),
    ("RevokeCertificate", "remove_certificate"),
    ("DeleteVps", "delete_vps"),
    ("Decommissioned", "mark_decommissioned"),
    ("Notify", "notify"),
]
RETRIED = (ProviderUnavailable, DnsNotVisible)


def new_server(world: ProvisioningWorld, domain: str = "acme-agency.test", **req: Any) -> Server:
    request = ServerRequest(
        region=req.get("region", "us-east"),
        size=req.get("size", "small"),
        domain=domain,
        dns_provider=req.get("dns_provider", "route53"),
        mailboxes=(MailboxRequest("anna", "Anna"), MailboxRequest("ben", "Ben")),
        warmup_plan=req.get("warmup_plan"),
    )
    server = Server("ten_a", f"srv_{domain[:4]}", "provisioning", request, "t", "t", "x")
    world.platform.reserve_domain("ten_a", domain, server.server_id)  # as the API does
    return world.servers.save(server)


def event(server: Server, state: str, **extra: Any) -> dict[str, Any]:
    return {"tenant_id": server.tenant_id, "server_id": server.server_id, "state": state, **extra}


def call(world: ProvisioningWorld, server: Server, state: str, handler: str, **extra: Any) -> Any:
    for _ in range(4):
        try:
            return run(world.ports(), TASKS[handler], event(server, state, **extra))
        except RETRIED:
            continue
    return run(world.ports(), TASKS[handler], event(server, state, **extra))


def provision(world: ProvisioningWorld, server: Server) -> Server:
    try:
        for state, handler in PROVISION:
            if state == "PollVps":
                while not call(world, server, state, handler)["ready"]:
                    pass
            else:
                call(world, server, state, handler)
    except ProvisioningError as exc:
        cause = json.dumps({"errorMessage": str(exc)})
        error = {"Error": type(exc).__name__, "Cause": cause}
        call(world, server, "RecordFailure", "record_failure", error=error)
        for state, handler in ROLLBACK:
            try:
                call(world, server, state, handler)
            except ProvisioningError:
                continue
    latest = world.servers.get(server.tenant_id, server.server_id)
    assert latest is not None
    return latest


def decommission(world: ProvisioningWorld, server: Server) -> Server:
    for state, handler in DECOMMISSION:
        call(world, server, state, handler)
    latest = world.servers.get(server.tenant_id, server.server_id)
    assert latest is not None
    return latest


def nothing_left(world: ProvisioningWorld) -> None:
    assert world.vps.servers == {}
    assert world.vps.ptr == {}
    assert world.mail.domains_ == {} and world.mail.users_ == {}
    assert world.dns.records == {}
    assert world.platform.domains == {} and world.platform.mailboxes == {}
    assert world.platform.reserved == {}  # the domain is free for another try
    assert [n for n in world.secrets.values if "/server/" in n or "/acme/" in n] == []


def test_start_warmup_again_keeps_the_warming_mailboxes_and_starts_nothing_new() -> None:
    # given a provisioned server whose mailboxes warm
    world = provisioning_world()
    server = provision(world, new_server(world, warmup_plan="standard"))
    before = dict(world.platform.warmups)
    # when its StartWarmup step runs again (a retry)
    call(world, server, "StartWarmup", "start_warmup")
    # then the same mailboxes warm, each reported as warming already
    again = world.servers.get(server.tenant_id, server.server_id)
    assert again is not None and world.platform.warmups == before
    assert set(again.resources["warmup"]["mailboxes"].values()) == {"already_warming"}


def test_a_server_without_a_plan_starts_no_warmup() -> None:
    world = provisioning_world()
    server = provision(world, new_server(world))
    assert world.platform.warmups == {}
    assert server.steps["StartWarmup"].status == "skipped"


def test_a_server_is_provisioned_with_every_step_booked() -> None:
    world = provisioning_world()
    server = provision(world, new_server(world, warmup_plan="standard"))
    assert server.status == "ready"
    public = server.to_public()
    steps = {s["name"]: s for s in public["steps"]}
    assert [s["name"] for s in public["steps"]] == list(PROVISION_STEPS)
    assert all(steps[n]["status"] == "succeeded" for n in steps), steps
    assert steps["WaitForIp"]["attempts"] == 2  # building, then active
    assert world.vps.created == 1
    assert sorted(world.mail.users_) == ["anna@acme-agency.test", "ben@acme-agency.test"]
    assert ("mail.acme-agency.test", "A") in world.dns.records
    assert ("dkim._domainkey.acme-agency.test", "TXT") in world.dns.records
    assert world.vps.ptr == {server.resources["ip"]: "mail.acme-agency.test"}
    assert world.mail.certificate and "mail.acme-agency.test" in world.mail.certificate
    assert len(world.platform.mailboxes) == 2
    assert world.platform.last_smtp["host"] == "mail.acme-agency.test"
    assert world.platform.notices[-1][1] == "server.ready"
    # every created mailbox's warm-up was started on the plan
    boxes = server.resources["mailbox_ids"]
    assert world.platform.warmups == {m: (server.tenant_id, "standard") for m in boxes.values()}
    assert server.resources["warmup"] == {
        "plan": "standard",
        "status": "started",
        "mailboxes": {email: "started" for email in boxes},
    }
    # no password in the record
    assert "password" not in str(server.to_dict())
    assert all(pw not in str(server.to_dict()) for pw in world.mail.users_.values())


def test_route53_domains_publish_only_the_server_records_cloudflare_all() -> None:
    world = provisioning_world()
    provision(world, new_server(world))
    assert ("acme-agency.test", "TXT") not in world.dns.records  # the domain's own SPF
    world = provisioning_world()
    provision(world, new_server(world, dns_provider="cloudflare"))
    assert ("acme-agency.test", "TXT") in world.dns.records


def test_every_task_twice_makes_nothing_twice() -> None:
    world = provisioning_world()
    server = new_server(world)
    provision(world, server)
    for state, handler in PROVISION:
        if state not in ("Notify",):
            call(world, server, state, handler)
    assert world.vps.created == 1 and len(world.vps.servers) == 1
    assert len(world.platform.mailboxes) == 2 and len(world.platform.domains) == 1
    assert len(world.ca.issued) == 1


def test_a_transient_failure_once_at_create_vps_is_retried_and_one_vps_exists() -> None:
    world = provisioning_world()
    world.failures.fail("vps.create", ProviderUnavailable("503"))
    server = provision(world, new_server(world))
    assert server.status == "ready"
    assert server.steps["CreateVps"].attempts == 2
    assert world.vps.created == 1


def test_a_create_that_died_after_the_provider_made_it_finds_it_by_name() -> None:
    world = provisioning_world()
    server = new_server(world)
    world.vps.create(f"pm-{server.server_id}", "r", "s", "")
    provision(world, server)
    assert world.vps.created == 1


def test_a_failure_at_issue_certificate_rolls_back_everything_in_reverse() -> None:
    world = provisioning_world()
    world.failures.fail("ca.issue", *[ProvisioningFailed("challenge rejected")] * 5)
    server = provision(world, new_server(world))
    assert server.status == "rolled_back", server.resources
    assert server.failure is not None and server.failure["step"] == "IssueCertificate"
    assert server.failure["error"] == "ProvisioningFailed"
    assert server.steps["IssueCertificate"].status == "failed"
    assert server.steps["RollbackCertificate"].status == "skipped"
    assert server.steps["RollbackVps"].status == "succeeded"
    nothing_left(world)
    assert world.platform.notices[-1][1] == "server.rolled_back"


def test_a_rollback_step_that_keeps_failing_leaves_the_server_failed_with_what_is_left() -> None:
    world = provisioning_world()
    world.failures.fail("health", ProvisioningFailed("smtp down"))
    world.failures.fail("vps.delete", *[ProviderUnavailable("503")] * 10)
    server = provision(world, new_server(world))
    assert server.status == "failed"
    assert "vps_id" in server.resources["left"]
    assert world.platform.domains == {} and world.mail.users_ == {}


def test_quota_is_checked_again_by_the_state_machine() -> None:
    world = provisioning_world({"ten_a": "starter"})
    first = provision(world, new_server(world, "one.test"))
    assert first.status == "ready"
    second = provision(world, new_server(world, "two.test"))
    assert second.status == "rolled_back"
    assert second.failure is not None and second.failure["error"] == QuotaExceeded.__name__
    assert "CreateVps" not in second.steps  # never reached
    assert world.vps.created == 1


def test_decommission_removes_mailboxes_dns_certificate_then_the_vps() -> None:
    world = provisioning_world()
    server = provision(world, new_server(world))
    done = decommission(world, server)
    assert done.status == "decommissioned"
    nothing_left(world)
    assert world.ca.revoked == world.ca.issued
    assert world.platform.notices[-1][1] == "server.decommissioned"


def test_an_unknown_server_is_a_permanent_failure() -> None:
    world = provisioning_world()
    with pytest.raises(ProvisioningFailed):
        run(world.ports(), TASKS["create_vps"], {"tenant_id": "ten_a", "server_id": "srv_x"})
